"""`distscout scan` through the command line, against the emulator."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stamina
from typer.testing import CliRunner

from distscout.cli import app
from distscout.emulator.server import EmulatorServer
from distscout.http.blocked import Blocked
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import TEST_TOKEN

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


def _point_at(monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    monkeypatch.setenv("DISTSCOUT_DEPSDEV_URL", server.url_for("depsdev"))
    monkeypatch.setenv("DISTSCOUT_ECOSYSTEMS_URL", server.url_for("ecosystems"))
    monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", server.url_for("github"))
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKEN", TEST_TOKEN)


def _scan(*args: str) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["scan", "--json", *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def _repos(body: dict[str, object]) -> set[str]:
    return {r["repo"] for r in body["scanned"]}  # type: ignore[attr-defined, index]


def test_due_then_given_then_all(
    monkeypatch: pytest.MonkeyPatch, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    _point_at(monkeypatch, corpus_emulator, tmp_path)
    assert (
        runner.invoke(app, ["repos", "add", "pallets/flask", "psf/requests", "dart-lang/path"]).exit_code == 0
    )
    code, body = _scan()
    assert code == 0 and _repos(body) == {"pallets/flask", "psf/requests", "dart-lang/path"}
    assert all(r["verdict"] == "complete" for r in body["scanned"])  # type: ignore[attr-defined]
    code, body = _scan()
    assert code == 0 and body["scanned"] == [], "nothing is due any more"
    code, body = _scan("https://github.com/pallets/flask")
    assert code == 0 and _repos(body) == {"pallets/flask"}, "given repositories are scanned now"
    code, body = _scan("--all")
    assert _repos(body) == {"pallets/flask", "psf/requests"}, "the archived one is skipped"
    code, body = _scan("--all", "--force")
    assert "dart-lang/path" in _repos(body)


def test_table_output(
    monkeypatch: pytest.MonkeyPatch, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    _point_at(monkeypatch, corpus_emulator, tmp_path)
    runner.invoke(app, ["repos", "add", "pallets/flask"])
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 0 and "pallets/flask" in result.stdout and "complete" in result.stdout
    assert "warning: no polite_email" in result.stderr, "the anonymous ecosyste.ms tier is said, not silent"
    monkeypatch.setenv("DISTSCOUT_POLITE_EMAIL", "ops@example.org")
    assert "warning" not in runner.invoke(app, ["scan", "--all"]).stderr


@pytest.mark.parametrize(
    "case",
    [
        (["nobody/here"], 1, "not tracked"),
        (["https://u:secret@github.com/a/b"], 2, "credentials"),
        (["pallets/flask", "--all"], 2, "not several"),
    ],
)
def test_bad_input(
    monkeypatch: pytest.MonkeyPatch,
    corpus_emulator: EmulatorServer,
    tmp_path: Path,
    case: tuple[list[str], int, str],
) -> None:
    args, code, message = case
    _point_at(monkeypatch, corpus_emulator, tmp_path)
    runner.invoke(app, ["repos", "add", "pallets/flask"])
    result = runner.invoke(app, ["scan", *args])
    assert result.exit_code == code and message in result.stderr and "secret" not in result.output


def test_a_failed_scan_exits_1(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    world = {"format": 1, "repos": [{"url": "https://github.com/down/all", "files": {}}], "packages": []}
    server = emulator_factory(world, {s: {"error_rate": 1.0} for s in ("depsdev", "ecosystems", "github")})
    _point_at(monkeypatch, server, tmp_path)
    runner.invoke(app, ["repos", "add", "down/all"])
    code, body = _scan()
    assert code == 1 and [r["verdict"] for r in body["scanned"]] == ["failed"]  # type: ignore[attr-defined]


def test_partial_scans_exit_3_and_say_which_source(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(tiny_world(), {"github": {"rate_limit": {"after": 0, "retry_after_s": 3600}}})
    _point_at(monkeypatch, server, tmp_path)
    runner.invoke(app, ["repos", "add", "acme/widget"])
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 3, result.output
    assert "partial" in result.stdout and "manifest: transient" in result.stdout


def test_a_spent_budget_is_named_with_its_end(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(tiny_world(), {"github": {"rate_limit": {"after": 0, "retry_after_s": 3600}}})
    _point_at(monkeypatch, server, tmp_path)
    runner.invoke(app, ["repos", "add", "acme/widget"])
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 3, result.output
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("blocked: ")]
    assert line.startswith("blocked: github-graphql: budget spent until ") and re.search(
        r"\(in (59|60) min\)", line
    )
    assert "1 scans ended partial — rerun after" in line and "GITHUB_TOKEN" not in line, "a token is set"
    code, body = _scan("--all")
    assert code == 3 and [b["upstream"] for b in body["blocked"]] == ["github-graphql"]  # type: ignore[union-attr]


def test_an_open_breaker_is_named(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = emulator_factory(tiny_world(), {"depsdev": {"error_rate": 1.0}})
    _point_at(monkeypatch, server, tmp_path)
    monkeypatch.setenv("DISTSCOUT_BREAKER_THRESHOLD", "1")
    runner.invoke(app, ["repos", "add", "acme/widget"])
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 3, result.output
    assert "blocked: depsdev: breaker open until " in result.stderr and re.search(
        r"\(in (59|60) min\)", result.stderr
    )


def test_a_healthy_scan_names_no_block(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    _point_at(monkeypatch, emulator_factory(tiny_world()), tmp_path)
    runner.invoke(app, ["repos", "add", "acme/widget"])
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 0 and "blocked" not in result.stderr
    code, body = _scan("--all")
    assert code == 0 and body["blocked"] == []


def test_a_block_is_described_in_utc_with_what_is_left() -> None:
    now = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    soon = Blocked("github", "budget spent", now + timedelta(seconds=90))
    assert soon.describe(now) == "github: budget spent until 17:01:30 UTC (in 90 s)"
    later = Blocked("depsdev", "breaker open", now + timedelta(minutes=42))
    assert later.describe(now) == "depsdev: breaker open until 17:42 UTC (in 42 min)"
    tomorrow = Blocked("ecosystems", "budget spent", now + timedelta(hours=9))
    assert tomorrow.describe(now) == "ecosystems: budget spent until 2026-12-04 02:00 UTC (in 9 h 0 min)"
