"""The small ones of issue #19: each bad setting is one clear line; the scan's interrupt says what it left."""

from __future__ import annotations

from pathlib import Path

import pytest

from distscout.commands.demo import command_name
from distscout.commands.emulator import export_line
from distscout.commands.scan import Tally
from distscout.results import Verdict
from distscout.worker.runner import ScanReport
from tests.cli.helpers import one_error_line, run


def test_a_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISTSCOUT_CONFIG", str(tmp_path / "nope.toml"))
    one_error_line(run(["stats"], code=2), "DISTSCOUT_CONFIG names", "nope.toml", "does not exist")
    monkeypatch.setenv("DISTSCOUT_CONFIG", str(tmp_path))
    one_error_line(run(["config", "show"], code=2), "which is not a file")


@pytest.mark.parametrize("args", [["stats"], ["repos", "list"], ["migrate"]], ids=" ".join)
def test_a_database_under_a_regular_file_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'file' / 'x.db'}")
    line = one_error_line(
        run(args, code=1), "is not a directory (a file is in the way)", str(tmp_path / "file")
    )
    assert "unexpected" not in line and "FileExistsError" not in line


def test_the_interrupt_summary_counts_stored_scans_and_released_claims() -> None:
    def report(verdict: Verdict | None) -> ScanReport:
        return ScanReport(repo="acme/x", verdict=verdict, outcomes={}, registry_rows=0, manifest_rows=0)

    tally = Tally(reports=[report(Verdict.COMPLETE), report(Verdict.PARTIAL), report(Verdict.FAILED)])
    assert (
        tally.describe()
        == "2 scans stored (1 partial), 0 claims released unscanned (claimable again at once)"
    )


def test_emulator_export_lines_are_shell_quoted() -> None:
    assert export_line("A", "http://127.0.0.1:1/x") == "export A=http://127.0.0.1:1/x"
    assert export_line("A", "it's $HOME") == "export A='it'\"'\"'s $HOME'"


def test_the_demo_names_the_distscout_it_would_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "venv" / "bin" / "distscout"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr("sys.argv", [str(script)])
    monkeypatch.setenv("PATH", "/nonexistent")
    assert command_name() == str(script)
    monkeypatch.setenv("PATH", str(script.parent))
    assert command_name() == "distscout"


def test_version_and_bare_command() -> None:
    assert run(["--version"]).stdout.strip() == "distscout 0.1.0"
    assert "Usage" in run([], code=2).stdout


@pytest.mark.parametrize("args", [["stats"], ["repos", "list"]], ids=" ".join)
def test_a_database_in_a_missing_folder_is_one_line_not_a_new_empty_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    """A mistyped path made a new folder and an empty store: `stats` said 0 repositories, exit 0."""
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'tpyo' / 'fleet.db'}")
    one_error_line(run(args, code=1), "does not exist", str(tmp_path / "tpyo"))
    assert not (tmp_path / "tpyo").exists()


def test_the_default_database_folder_is_made_on_a_fresh_machine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DISTSCOUT_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert "tracked repositories" in run(["stats"]).stdout
    assert (tmp_path / "data" / "distscout" / "distscout.db").is_file()
