"""Group commit: scans stored together, set-based, give exactly what one-by-one storing gives."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import stamina
from sqlalchemy import Engine, event, select, update

from distscout.emulator.server import EmulatorServer
from distscout.results import ScanResult, Stored, Verdict
from distscout.rows import derived_rows as derive
from distscout.scanner import scan_repo
from distscout.store import rotation
from distscout.store.claims import ClaimLost, claim_repos, due_repos, finish_leased
from distscout.store.repos import list_repos
from distscout.store.schema import (
    active_scans,
    captures,
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repos,
)
from distscout.worker.batch import BatchScan
from distscout.worker.writer import GroupWriter
from tests.corpus import repos as corpus_repos
from tests.sources.helpers import settings_for, upstreams_for
from tests.store.helpers import Clock, scan_due, tracked

CORPUS = [r.url for r in corpus_repos()]
CADENCE = timedelta(days=180)


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


def evidence(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every current and history row, keyed by repo name instead of id, without ids or timestamps."""
    skip = {"id", "repo_id", "data_collection_date", "rotated_at"}
    found: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        names = {r.id: f"{r.owner}/{r.name}" for r in connection.execute(select(repos))}
        for table in (
            repo_distribution,
            repo_distribution_manifest,
            repo_distribution_history,
            repo_distribution_manifest_history,
        ):
            rows = connection.execute(select(table)).mappings()
            found[table.name] = sorted(
                (names[row["repo_id"]], *(repr(v) for k, v in row.items() if k not in skip)) for row in rows
            )
        found["captures"] = sorted(
            (names[r.repo_id], r.source, r.kind, r.subject, r.digest)
            for r in connection.execute(select(captures))
        )
    return found


async def test_grouped_scans_store_what_one_by_one_scans_store(
    database_url: str, tmp_path: Any, corpus_emulator: EmulatorServer
) -> None:
    clock = Clock()
    alone = tracked(f"sqlite:///{tmp_path / 'alone.db'}", CORPUS, clock)
    grouped = tracked(database_url, CORPUS, clock)
    settings = settings_for(corpus_emulator, workers=8)
    for _ in range(2):  # a first scan, then a rescan that rotates every row into history
        await scan_due(alone, corpus_emulator, clock)
        async with upstreams_for(corpus_emulator) as upstreams:
            due = due_repos(grouped, clock(), CADENCE)  # as scan_due claims: not the archived, on a rescan
            reports = await BatchScan(grouped, upstreams, settings, now=clock).run(due)
        assert {r.verdict for r in reports} == {Verdict.COMPLETE}
        clock.advance(days=181)  # due again for the one-by-one pass
    assert evidence(grouped) == evidence(alone)


async def scanned_claims(engine: Engine, server: EmulatorServer, clock: Clock, count: int) -> list[Any]:
    claims = claim_repos(engine, [r.id for r in list_repos(engine.connect())][:count], clock())
    async with upstreams_for(server) as upstreams:
        scans = [await scan_repo(upstreams, c.repo.ref, settings_for(server)) for c in claims.values()]
    return list(zip(claims.values(), scans, strict=True))


async def test_one_transaction_stores_the_group_and_leaves_out_a_lost_lease(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    clock = Clock()
    engine = tracked(database_url, CORPUS[:3], clock)
    done = await scanned_claims(engine, corpus_emulator, clock, 3)
    assert len({claim.token for claim, _ in done}) == 1, "one transaction claimed them, under one token"
    lost_id = done[1][0].repo.id
    with engine.begin() as connection:  # another worker took the second one after its lease ran out
        connection.execute(update(repos).where(repos.c.id == lost_id).values(distribution_claimed_by="other"))
    commits: list[int] = []
    event.listen(engine, "commit", lambda _: commits.append(1))
    results = finish_leased(engine, done, clock(), CADENCE)
    assert len(commits) == 1
    assert isinstance(results[0], Stored) and isinstance(results[2], Stored)
    assert results[0].verdict is Verdict.COMPLETE and results[2].verdict is Verdict.COMPLETE
    assert isinstance(results[1], ClaimLost)
    with engine.connect() as connection:
        stored = set(connection.execute(select(captures.c.repo_id).distinct()).scalars())
        holders = dict(connection.execute(select(repos.c.id, repos.c.distribution_claimed_by)).all())
        active = set(connection.execute(select(active_scans.c.repo_id)).scalars())
    assert stored == {done[0][0].repo.id, done[2][0].repo.id}, "nothing of the lost claim is stored"
    assert holders[lost_id] == "other" and active == {lost_id}, "the other worker's claim is untouched"


async def test_a_scan_that_cannot_be_stored_costs_no_other_scan_of_its_group(
    database_url: str, corpus_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    engine = tracked(database_url, CORPUS[:4], clock)
    done = await scanned_claims(engine, corpus_emulator, clock, 4)
    broken = done[2][0].repo.id

    def failing_for_one(repo_id: int, *args: Any) -> Any:
        if repo_id == broken:
            raise RuntimeError("a bug in one repository's rows")
        return derive(repo_id, *args)

    monkeypatch.setattr(rotation, "derived_rows", failing_for_one)
    writer = GroupWriter(engine, CADENCE, now=clock, most=len(done))

    async def store(claim: Any, scan: ScanResult) -> Stored | BaseException:
        try:
            return await writer.finish(claim, scan)
        except RuntimeError as exc:
            return exc

    results = await asyncio.gather(*(store(claim, scan) for claim, scan in done))
    assert [type(r).__name__ for r in results] == ["Stored", "Stored", "RuntimeError", "Stored"]
    assert writer.groups == 1 and writer.stored == 3
    with engine.connect() as connection:
        stored = set(connection.execute(select(captures.c.repo_id).distinct()).scalars())
    assert stored == {claim.repo.id for claim, _ in done} - {broken}


async def test_an_interrupted_batch_gives_back_the_claims_it_did_not_start(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    clock = Clock()
    engine = tracked(database_url, CORPUS, clock)
    settings = settings_for(corpus_emulator, workers=1)
    first_report = asyncio.Event()
    async with upstreams_for(corpus_emulator) as upstreams:
        batch = BatchScan(engine, upstreams, settings, now=clock, on_report=lambda _: first_report.set())
        running = asyncio.create_task(batch.run(list_repos(engine.connect())))
        await first_report.wait()
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    with engine.connect() as connection:
        claimed = connection.execute(select(repos.c.id).where(repos.c.distribution_claimed_by.is_not(None)))
        assert list(claimed) == [], "every repository is claimable again"
        assert list(connection.execute(select(active_scans))) == []
        scanned = connection.execute(select(repos.c.id).where(repos.c.distribution_last_run.is_not(None)))
        assert 1 <= len(list(scanned)) < len(CORPUS)


async def test_the_daemon_stores_its_scans_in_groups(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    from distscout.worker.dispatcher import Dispatcher

    clock = Clock()
    engine = tracked(database_url, CORPUS, clock)
    settings = settings_for(corpus_emulator, start_interval=0, workers=16)
    async with upstreams_for(corpus_emulator) as upstreams:
        dispatcher = Dispatcher(engine, upstreams, settings, now=clock, idle_poll=0.01, exit_when_idle=True)
        stats = await dispatcher.run()
    assert stats.finished == len(CORPUS) and dispatcher.writer.stored == len(CORPUS)
    assert dispatcher.writer.groups < len(CORPUS) / 2, "scans finishing together share a transaction"
    with engine.connect() as connection:
        scanned = connection.execute(select(repos.c.id).where(repos.c.distribution_last_run.is_not(None)))
        assert len(list(scanned)) == len(CORPUS)


async def test_a_scan_reports_the_rows_it_stored(database_url: str, corpus_emulator: EmulatorServer) -> None:
    # Sources return captures only; the rows are derived once, by the store, and the report counts those.
    clock = Clock()
    engine = tracked(database_url, CORPUS, clock)
    settings = settings_for(corpus_emulator, workers=8)
    async with upstreams_for(corpus_emulator) as upstreams:
        reports = await BatchScan(engine, upstreams, settings, now=clock).run(
            due_repos(engine, clock(), CADENCE)
        )
    with engine.connect() as connection:
        names = {r.id: f"{r.owner}/{r.name}" for r in connection.execute(select(repos))}
        stored: dict[str, list[int]] = {name: [0, 0] for name in names.values()}
        for index, table in enumerate((repo_distribution, repo_distribution_manifest)):
            for (repo_id,) in connection.execute(select(table.c.repo_id)):
                stored[names[repo_id]][index] += 1
    assert sum(r.registry_rows + r.manifest_rows for r in reports) > 0
    for report in reports:
        assert [report.registry_rows, report.manifest_rows] == stored[report.repo], report.repo


async def test_a_first_scan_deletes_no_captures_and_a_rescan_one_statement_a_group(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    # Each row of an executemany costs Python time on PostgreSQL (issue 20): a first scan has no captures
    # to delete, and a complete rescan deletes a group's captures with one statement, not one per source.
    clock = Clock()
    engine = tracked(database_url, CORPUS, clock)
    deletes: list[int] = []  # rows of parameters a DELETE of captures was sent with
    commits: list[int] = []

    def seen(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM CAPTURES"):
            deletes.append(len(parameters) if executemany else 1)

    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "commit", lambda _: commits.append(1))
    settings = settings_for(corpus_emulator, workers=8)
    for scan in ("first", "rescan"):
        async with upstreams_for(corpus_emulator) as upstreams:
            reports = await BatchScan(engine, upstreams, settings, now=clock).run(
                due_repos(engine, clock(), CADENCE)
            )
        assert {r.verdict for r in reports} == {Verdict.COMPLETE}
        if scan == "first":
            assert deletes == [], "nothing to delete on a first scan"
            commits.clear()
        clock.advance(days=181)
    assert deletes and set(deletes) == {1}, "one statement with one set of parameters a group"
    assert len(deletes) <= len(commits)
