"""Integrity and recovery: one test per finding class and per planning rule (design §6)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import stamina
from sqlalchemy import Engine, delete, insert, select

from distscout.emulator.server import EmulatorServer
from distscout.integrity.check import CLEAN, IN_PROGRESS, run_check
from distscout.integrity.findings import Action, Finding, FindingClass
from distscout.integrity.plan import make_plan
from distscout.integrity.repair import SettledChecks, _start_run, checked_since_last_scan, publish, repair
from distscout.manifests.registry import parser_for
from distscout.store import workers as workers_module
from distscout.store.schema import (
    active_scans,
    captures,
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repos,
    scan_runs,
)
from distscout.store.workers import reap_dead, register
from tests.corpus import repos as corpus_repos
from tests.store.helpers import Clock, scan_due, tracked

FEW = ["pallets/flask", "BurntSushi/ripgrep", "synthetic/legacy-setup"]


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


async def _scanned(url: str, server: EmulatorServer, names: list[str], clock: Clock) -> Engine:
    engine = tracked(url, names, clock)
    await scan_due(engine, server, clock)
    return engine


def _classes(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.finding_class.value, f.action.value, f.target) for f in findings}


async def test_clean_after_scan_and_publish(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    written = publish(engine, tmp_path, clock())
    assert {"report:orphans", "report:stats", "card:pallets/flask", "history:pallets/flask"} <= set(written)
    report = run_check(engine, tmp_path, clock())
    assert report.status == CLEAN and report.repos_checked == 3 and report.outputs_checked == len(written)


async def test_deleted_export_is_reprocessed(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    publish(engine, tmp_path, clock())
    (tmp_path / "orphans.json").unlink()
    findings = run_check(engine, tmp_path, clock()).findings
    assert _classes(findings) == {("missing_secondary", "reprocess", "report:orphans")}
    outcome = repair(engine, tmp_path, clock())
    assert outcome.plan.reprocess_names == ["report:orphans"] and outcome.plan.recheck_names == []
    assert json.loads((tmp_path / "orphans.json").read_text())["data"][0]["repo"] == "synthetic/legacy-setup"
    assert run_check(engine, tmp_path, clock()).status == CLEAN


async def test_export_older_than_the_last_rotation_is_stale(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    publish(engine, tmp_path, clock())
    clock.advance(days=200)
    await scan_due(engine, corpus_emulator, clock)  # a rotation after the export
    found = _classes(run_check(engine, tmp_path, clock()).findings)
    assert ("stale_secondary", "reprocess", "report:orphans") in found
    assert ("stale_secondary", "reprocess", "card:pallets/flask") in found
    repair(engine, tmp_path, clock())
    assert run_check(engine, tmp_path, clock()).status == CLEAN


async def test_truncated_card_is_malformed(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    publish(engine, tmp_path, clock())
    card = tmp_path / "cards" / "pallets" / "flask.json"
    card.write_text(card.read_text()[:100])
    assert _classes(run_check(engine, tmp_path, clock()).findings) == {
        ("malformed_secondary", "reprocess", "card:pallets/flask")
    }
    repair(engine, tmp_path, clock())
    assert json.loads(card.read_text())["data"]["repo"] == "pallets/flask"
    assert run_check(engine, tmp_path, clock()).status == CLEAN


async def test_rows_missing_or_edited_are_rebuilt_from_captures(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    before = _rows(engine)
    with engine.begin() as connection:
        connection.execute(
            delete(repo_distribution_manifest).where(
                repo_distribution_manifest.c.manifest_path == "pyproject.toml"
            )
        )
        connection.execute(
            repo_distribution.update()
            .where(repo_distribution.c.package_name == "ripgrep")
            .values(version_count=999)
        )
    found = _classes(run_check(engine, tmp_path, clock()).findings)
    assert found == {
        ("missing_secondary", "reprocess", "pallets/flask"),
        ("malformed_secondary", "reprocess", "BurntSushi/ripgrep"),
    }
    repair(engine, tmp_path, clock())
    assert _rows(engine) == before
    assert run_check(engine, tmp_path, clock()).status == CLEAN


async def test_deleted_captures_mean_a_recheck_of_that_repo_and_block_the_fleet_report(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    publish(engine, tmp_path, clock())
    _drop_captures(engine, "ripgrep")
    findings = run_check(engine, tmp_path, clock()).findings
    assert ("missing_primary", "recheck", "BurntSushi/ripgrep") in _classes(findings)
    blocked = [f for f in findings if f.finding_class is FindingClass.BLOCKED_BY_INPUT]
    assert {f.subject for f in blocked} == {
        "report:orphans",
        "report:stats",
        "card:BurntSushi/ripgrep",
        "history:BurntSushi/ripgrep",
    }
    assert {f.target for f in blocked} == {"BurntSushi/ripgrep"}, "the derivatives point at their parent"
    _corrupt_a_row(engine, "flask")  # a reprocess elsewhere must not rebuild the blocked fleet reports
    orphans_before = (tmp_path / "orphans.json").read_text()
    outcome = repair(engine, tmp_path, clock())
    assert outcome.plan.recheck_names == ["BurntSushi/ripgrep"]
    assert outcome.plan.reprocess_names == ["card:pallets/flask", "pallets/flask"]
    assert (
        "report:orphans" not in outcome.reprocessed and "card:BurntSushi/ripgrep" not in outcome.reprocessed
    )
    assert (tmp_path / "orphans.json").read_text() == orphans_before, "the derivative waits for its parent"
    corpus_emulator.reset()
    clock.advance(minutes=1)
    reports = await scan_due(engine, corpus_emulator, clock)  # the recheck: claimed first
    assert [r.repo for r in reports] == ["BurntSushi/ripgrep"]
    repair(engine, tmp_path, clock())  # the deferred derivatives are rebuilt now
    assert run_check(engine, tmp_path, clock()).status == CLEAN


async def test_history_summary_without_its_snapshots_rechecks_the_parent(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    clock.advance(days=200)
    await scan_due(engine, corpus_emulator, clock)  # snapshots exist now
    publish(engine, tmp_path, clock())
    with engine.begin() as connection:
        flask = connection.execute(select(repos.c.id).where(repos.c.name == "flask")).scalar_one()
        for table in (repo_distribution_history, repo_distribution_manifest_history):
            connection.execute(delete(table).where(table.c.repo_id == flask))
    findings = run_check(engine, tmp_path, clock()).findings
    assert _classes(findings) == {("blocked_by_input", "recheck", "pallets/flask")}
    assert findings[0].subject == "history:pallets/flask"
    plan = make_plan(findings)
    assert plan.recheck_names == ["pallets/flask"] and plan.reprocess_names == []
    assert plan.deferred == [], "the summary itself is not reprocessed"


def test_recheck_wins_over_reprocess_for_one_target() -> None:
    findings = [
        Finding(FindingClass.MISSING_PRIMARY, "repo:a/b", Action.RECHECK, "a/b", "captures gone"),
        Finding(FindingClass.MALFORMED_SECONDARY, "repo:a/b", Action.REPROCESS, "a/b", "edited rows"),
        Finding(FindingClass.STALE_SECONDARY, "card:a/b", Action.REPROCESS, "card:a/b", "old"),
        Finding(FindingClass.STALE_SECONDARY, "report:orphans", Action.REPROCESS, "report:orphans", "old"),
        Finding(FindingClass.STALE_SECONDARY, "repo:c/d", Action.REPROCESS, "c/d", "old"),
    ]
    plan = make_plan(findings)
    assert plan.recheck_names == ["a/b"]
    assert plan.reprocess_names == ["c/d"]
    assert plan.deferred == ["card:a/b", "report:orphans"]


async def test_a_running_scan_means_in_progress(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW, clock)
    _drop_captures(engine, "ripgrep")
    with engine.begin() as connection:
        repo_id = connection.execute(select(repos.c.id).where(repos.c.name == "flask")).scalar_one()
        connection.execute(
            insert(active_scans).values(
                repo_id=repo_id, worker="w", started_at=clock(), until=clock() + timedelta(minutes=5)
            )
        )
    report = run_check(engine, tmp_path, clock())
    assert report.status == IN_PROGRESS and report.findings == []
    outcome = repair(engine, tmp_path, clock())
    assert outcome.check.status == IN_PROGRESS and outcome.reprocessed == [] and outcome.rechecks_queued == []
    clock.advance(minutes=6)  # a dead worker's entry stops counting
    assert run_check(engine, tmp_path, clock()).status == "issues"


async def test_parser_version_bump_is_repaired_without_upstream_requests(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path, sqlite_url: str
) -> None:
    names = [r.slug for r in corpus_repos()]
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, names, clock)
    publish(engine, tmp_path, clock())
    npm = parser_for("package.json")
    assert npm is not None
    object.__setattr__(npm, "version", npm.version + 1)
    try:
        report = run_check(engine, tmp_path, clock())
        stale = {f.target for f in report.findings if f.finding_class is FindingClass.STALE_SECONDARY}
        assert {"expressjs/express", "vitejs/vite", "synthetic/deep-monorepo"} <= stale
        corpus_emulator.reset()
        outcome = repair(engine, tmp_path, clock())
        assert set(outcome.plan.reprocess_names) >= {"vitejs/vite"} and outcome.plan.recheck_names == []
        assert all(v["requests"] == 0 for v in corpus_emulator.stats().values()), "reprocess never fetches"
        assert run_check(engine, tmp_path, clock()).status == CLEAN
        fresh = await _scanned(sqlite_url, corpus_emulator, names, Clock())
        assert _rows(engine) == _rows(fresh), "rebuilt rows equal a fresh scan's rows"
    finally:
        object.__setattr__(npm, "version", npm.version - 1)


def _corrupt_a_row(engine: Engine, name: str) -> None:
    with engine.begin() as connection:
        repo_id = connection.execute(select(repos.c.id).where(repos.c.name == name)).scalar_one()
        connection.execute(
            repo_distribution_manifest.update()
            .where(repo_distribution_manifest.c.repo_id == repo_id)
            .values(intent_reason="edited by hand")
        )


def _drop_captures(engine: Engine, name: str) -> None:
    with engine.begin() as connection:
        repo_id = connection.execute(select(repos.c.id).where(repos.c.name == name)).scalar_one()
        connection.execute(delete(captures).where(captures.c.repo_id == repo_id))


def _rows(engine: Engine) -> set[tuple[Any, ...]]:
    """Every current row, by repository name, without ids and collection dates."""
    found: set[tuple[Any, ...]] = set()
    with engine.connect() as connection:
        names = dict(connection.execute(select(repos.c.id, repos.c.owner + "/" + repos.c.name)).all())
        for table in (repo_distribution, repo_distribution_manifest):
            for row in connection.execute(select(table)):
                values = {
                    k: v
                    for k, v in row._mapping.items()
                    if k not in ("id", "repo_id", "data_collection_date")
                }
                found.add((table.name, names[row.repo_id], *sorted(values.items())))
    return found


async def test_a_fleet_checks_once_per_cycle(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemons of a fleet settle together: a whole repair that checked since the newest scan stands for
    all of them; one abandoned, under way, `--only` one action, or that found the store busy does not."""
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW[:1], clock)
    assert not checked_since_last_scan(engine), "scans stored, never checked"
    repair(engine, tmp_path, clock())
    assert checked_since_last_scan(engine), "checked since: another daemon has nothing new"

    with engine.begin() as connection:  # one more scan stored
        connection.execute(insert(scan_runs).from_select(_SCAN_COLUMNS, select(*_scan_columns())))
    assert not checked_since_last_scan(engine)

    with engine.begin() as connection:  # a scan running: the check finds the store busy
        repo_id = connection.execute(select(scan_runs.c.repo_id)).scalars().first()
        connection.execute(
            insert(active_scans).values(
                repo_id=repo_id, worker="w.1", started_at=clock(), until=clock() + timedelta(minutes=5)
            )
        )
    assert repair(engine, tmp_path, clock()).check.status == IN_PROGRESS
    assert not checked_since_last_scan(engine), "a check that found the store busy checked nothing"
    with engine.begin() as connection:
        connection.execute(delete(active_scans))

    monkeypatch.setattr(workers_module, "_process_id", "gone".ljust(24, "0"))
    register(engine, "daemon", clock())
    _start_run(engine, clock())  # a live daemon's check under way
    assert not checked_since_last_scan(engine), "under way: it may yet find the store busy"
    clock.advance(minutes=1)
    reap_dead(engine, clock(), timedelta(seconds=15))  # ... whose process died
    assert not checked_since_last_scan(engine), "an abandoned check checked nothing"
    repair(engine, tmp_path, clock(), only="recheck")
    assert not checked_since_last_scan(engine), "one action of a repair does not stand for the cycle"
    repair(engine, tmp_path, clock())
    assert checked_since_last_scan(engine)
    engine.dispose()


async def test_a_daemon_checks_at_start_up_then_only_after_new_scans(
    database_url: str, corpus_emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Both daemons (`serve --workers-only`, `serve` with its web) ask one policy whether to check."""
    clock = Clock()
    engine = await _scanned(database_url, corpus_emulator, FEW[:1], clock)
    repair(engine, tmp_path, clock())
    checks = SettledChecks(engine)
    assert checks.due(), "at start-up always: an upgrade may have made rows stale with no new scan"
    assert checks.due(), "until the daemon has checked: a start-up check that did not run is still due"
    checks.checked()
    assert not checks.due(), "settled again: a whole repair has checked since the newest scan"
    with engine.begin() as connection:  # one more scan stored
        connection.execute(insert(scan_runs).from_select(_SCAN_COLUMNS, select(*_scan_columns())))
    assert checks.due()
    engine.dispose()


_SCAN_COLUMNS = ["repo_id", "finished_at", "verdict", "outcomes", "interpreter_version"]


def _scan_columns() -> list[Any]:
    return [scan_runs.c[name] for name in _SCAN_COLUMNS]
