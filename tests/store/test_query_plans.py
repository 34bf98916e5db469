"""Nothing per repository grows with the fleet: every statement a scan, a claim, a store, a reprocess or a
repository's page sends is served by an index, on SQLite and PostgreSQL. The statements are the real ones,
recorded as they go to the database, then explained with their own parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import stamina
from sqlalchemy import Engine, event, insert, text

from distscout.integrity.repair import reprocess_repo
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_due, release
from distscout.store.queries import history_summary, repo_report, verdict_events
from distscout.store.repos import find_repo, list_repos
from distscout.store.schema import workers
from distscout.store.workers import claims_held_elsewhere, reap_dead, reclaimable
from distscout.worker.batch import BatchScan
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

FLEET = 300
DEAD_WORKER = {"id": "0dead0worker0", "kind": "serve", "host": "gone", "pid": 1}
# Tables that grow with the fleet (or with its history): a statement must reach their rows by an index.
GROWING = (
    "repos",
    "captures",
    "capture_bodies",
    "repo_distribution",
    "repo_distribution_manifest",
    "repo_distribution_history",
    "repo_distribution_manifest_history",
    "scan_runs",
    "http_cache",
)


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


def _world(count: int) -> dict[str, Any]:
    repos = [
        {"url": f"https://github.com/fleet{i % 7}/r{i:04}", "files": {"package.json": f'{{"name": "p{i}"}}'}}
        for i in range(count)
    ]
    return {"format": 1, "repos": repos, "packages": []}


@contextmanager
def recorded(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements sent meanwhile, each with its (first) parameters, as the driver got them."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        sent.append((statement, parameters[0] if many and parameters else parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def full_scans(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The growing tables `statement` reads in full, by the database's own plan."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            lines = [row[-1] for row in plan]
            scanned = [m.group(1) for line in lines if (m := re.fullmatch(r"SCAN (\w+)", line))]
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")  # an index that exists is then used
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
            scanned = [m.group(1) for line in plan if (m := re.search(r"Seq Scan on (\w+)", line))]
        connection.rollback()
    return [table for table in scanned if table in GROWING]


async def test_every_per_repository_statement_is_an_index_lookup(
    database_url: str, emulator_factory: EmulatorFactory, tmp_path: Any
) -> None:
    world = _world(FLEET)
    server = emulator_factory(world)
    clock = Clock()
    engine = tracked(database_url, [r["url"] for r in world["repos"]], clock)
    settings = settings_for(server, workers=16)
    async with upstreams_for(server) as upstreams:  # the fleet's first pass, not recorded
        with engine.connect() as connection:
            await BatchScan(engine, upstreams, settings, now=clock).run(list_repos(connection))
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    clock.advance(days=200)  # everything due again
    with recorded(engine) as sent:
        claims = claim_due(engine, clock(), timedelta(days=180), limit=5)  # the daemon's claim
        release(engine, *claims)
        async with upstreams_for(server) as upstreams:  # a scan's claims, scans and group commit
            await BatchScan(engine, upstreams, settings, now=clock).run([c.repo for c in claims])
        ref = parse_repo_ref("fleet3/r0003")
        reprocess_repo(engine, ref.full_name, tmp_path / "out", clock())
        with engine.begin() as connection:  # a worker that died a day ago
            connection.execute(insert(workers).values(**DEAD_WORKER, started_at=clock(), beat_at=clock()))
        clock.advance(days=1)
        with engine.connect() as connection:
            assert reclaimable(connection, clock(), timedelta(seconds=30)) == 0  # (it held no claims)
            claims_held_elsewhere(connection, clock())  # an idle worker waiting for the others
        assert reap_dead(engine, clock(), timedelta(seconds=30)) == [DEAD_WORKER["id"]]
        with engine.connect() as connection:
            found = find_repo(connection, ref)
            assert found is not None
            repo_report(connection, ref)
            history_summary(connection, found.id)
            verdict_events(connection, found.id)
    explained = {s: p for s, p in sent if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))}
    assert len(explained) > 10, "the paths were taken"
    scans = {s: tables for s, p in explained.items() if (tables := full_scans(engine, s, p))}
    assert scans == {}, "\n\n".join(f"{tables}: {s}" for s, tables in scans.items())
    engine.dispose()
