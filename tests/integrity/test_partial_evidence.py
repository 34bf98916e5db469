"""`integrity check` reports a finding that rests on partial evidence (an unconfirmed orphan, registry
packages whose repository's manifests are unknown) as a recheck target, rechecked within its backoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import stamina
from sqlalchemy import select

from distscout.integrity.check import CLEAN, run_check
from distscout.integrity.findings import Action, FindingClass
from distscout.integrity.plan import make_plan
from distscout.integrity.repair import repair
from distscout.repos import parse_repo_ref
from distscout.store.engine import open_engine
from distscout.store.queries import unconfirmed_orphans
from distscout.store.repos import add_repos
from distscout.store.schema import repos
from distscout.worker.runner import utc_now
from tests.emulator.fixtures import EmulatorFactory
from tests.store.test_findings_need_evidence import scan_all
from tests.store.test_findings_surfaces import WORLD, scan_unconfirmed_and_unknown


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


def _backoff(url: str) -> dict[str, Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    repos.c.name,
                    repos.c.distribution_scan_complete,
                    repos.c.distribution_retry_at,
                    repos.c.distribution_failed_attempts,
                )
            ).all()
    finally:
        engine.dispose()
    return {row.name: tuple(row)[1:] for row in rows}


async def test_findings_on_partial_evidence_are_recheck_targets(
    database_url: str, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    server = await scan_unconfirmed_and_unknown(database_url, emulator_factory)
    engine = open_engine(database_url)
    report = run_check(engine, tmp_path, utc_now())
    partial = [f for f in report.findings if f.finding_class is FindingClass.PARTIAL_EVIDENCE]
    assert {(f.target, f.action) for f in partial} == {
        ("acme/lonely", Action.RECHECK),
        ("acme/published", Action.RECHECK),
    }
    reasons = {f.target: f.reason for f in partial}
    assert "ecosyste.ms never answered" in reasons["acme/lonely"]
    assert reasons["acme/published"].startswith("manifests unknown")
    assert reasons["acme/published"].endswith(": 1 registry package may be unclaimed")

    plan = make_plan(report.findings)
    assert plan.recheck_within_backoff == ["acme/lonely", "acme/published"]
    assert plan.recheck_names == [] and plan.deferred == [], "the reports already say unconfirmed / unknown"

    before = _backoff(database_url)
    outcome = repair(engine, tmp_path, utc_now())
    assert sorted(outcome.rechecks_queued) == ["acme/lonely", "acme/published"]
    assert _backoff(database_url) == before, "re-claimed first, but not sooner than the backoff allows"

    server.set_faults(None)  # every upstream answers: the evidence arrives, the findings go
    assert await scan_all(server, database_url, at_days=730) == ["complete", "complete"]
    findings = run_check(engine, tmp_path, utc_now() + timedelta(days=730)).findings
    assert [f for f in findings if f.finding_class is FindingClass.PARTIAL_EVIDENCE] == []
    engine.dispose()


async def test_a_token_that_cannot_see_packages_is_no_recheck_loop(
    database_url: str, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    # GitHub Packages refuses the token: the npm orphan stays unconfirmed (waiting on github_packages), but
    # the scan is complete and a recheck with the same token would be refused again, every cycle.
    world = {**WORLD, "repos": WORLD["repos"][:1], "packages": []}
    engine = open_engine(database_url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref("acme/lonely")], utc_now())
    server = emulator_factory(world, {"github": {"quirks": {"token_scopes": ["repo"]}}})
    assert await scan_all(server, database_url) == ["complete"]
    with engine.connect() as connection:
        assert [row["waiting_on"] for row in unconfirmed_orphans(connection)] == [["github_packages"]]
    assert run_check(engine, tmp_path, utc_now()).status == CLEAN
    engine.dispose()
