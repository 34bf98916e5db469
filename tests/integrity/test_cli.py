"""`distscout integrity check|repair` and `distscout publish` through the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina
from typer.testing import CliRunner

from distscout.cli import app
from distscout.emulator.server import EmulatorServer
from tests.store.helpers import Clock, scan_due, tracked

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


@pytest.fixture
async def scanned(tmp_path: Path, corpus_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    engine = tracked(url, ["pallets/flask", "synthetic/legacy-setup"], Clock.real())
    await scan_due(engine, corpus_emulator, Clock.real())
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", url)
    monkeypatch.setenv("DISTSCOUT_OUTPUT_DIR", str(tmp_path / "out"))
    return tmp_path / "out"


def test_check_publish_damage_repair_check(scanned: Path) -> None:
    published = runner.invoke(app, ["publish", "--json"])
    assert published.exit_code == 0, published.output
    assert "report:orphans" in json.loads(published.stdout)["written"]
    assert runner.invoke(app, ["integrity", "check"]).exit_code == 0
    (scanned / "stats.json").unlink()
    checked = runner.invoke(app, ["integrity", "check", "--json"])
    assert checked.exit_code == 1
    body = json.loads(checked.stdout)
    assert body["status"] == "issues"
    assert body["findings"] == [
        {
            "class": "missing_secondary",
            "subject": "report:stats",
            "action": "reprocess",
            "target": "report:stats",
            "reason": "stats.json is gone",
        }
    ]
    repaired = runner.invoke(app, ["integrity", "repair", "--json"])
    assert repaired.exit_code == 0, repaired.output
    body = json.loads(repaired.stdout)
    assert body["recheck_names"] == [] and body["reprocess_names"] == ["report:stats"]
    assert runner.invoke(app, ["integrity", "check"]).exit_code == 0


def test_repair_only_recheck_leaves_reprocess_work(scanned: Path) -> None:
    runner.invoke(app, ["publish"])
    (scanned / "orphans.json").write_text("{")
    only = runner.invoke(app, ["integrity", "repair", "--only", "recheck", "--json"])
    assert json.loads(only.stdout)["reprocessed"] == []
    assert runner.invoke(app, ["integrity", "check"]).exit_code == 1
    assert runner.invoke(app, ["integrity", "repair", "--only", "reprocess"]).exit_code == 0
    assert runner.invoke(app, ["integrity", "check"]).exit_code == 0


def test_bad_only_value_is_a_usage_error(scanned: Path) -> None:
    result = runner.invoke(app, ["integrity", "repair", "--only", "everything"])
    assert result.exit_code == 2 and "recheck or reprocess" in result.stderr


def test_publish_to_an_unwritable_place_is_one_line(scanned: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(app, ["publish", "--output-dir", str(blocker / "out")])
    assert result.exit_code == 1 and result.stderr.startswith("error: cannot write")
