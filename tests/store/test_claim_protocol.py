"""One claim protocol on both backends: a batch of leases committed at once, no transaction or pooled
connection held across a scan, and every database call of the scanning loop made off the event loop."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text, update

from distscout.emulator.server import EmulatorServer
from distscout.store.claims import claim_due, release
from distscout.store.schema import active_scans, repos
from distscout.store.workers import register
from distscout.worker import dispatcher as dispatcher_module
from distscout.worker import writer as writer_module
from distscout.worker.dispatcher import Dispatcher
from tests.corpus import repos as corpus_repos
from tests.databases import postgresql_only
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

CADENCE = timedelta(days=180)
CORPUS = [r.url for r in corpus_repos()]


def test_a_batch_of_claims_commits_at_once_and_holds_no_connection(database_url: str) -> None:
    clock = Clock()
    engine = tracked(database_url, [f"fleet/r{i}" for i in range(8)], clock)
    with engine.begin() as connection:  # r5 ran before and ended partial: it is claimed first
        connection.execute(
            update(repos)
            .where(repos.c.name == "r5")
            .values(distribution_last_run=clock(), distribution_scan_complete=False)
        )
    first = claim_due(engine, clock(), CADENCE, limit=3)
    assert [c.repo.ref.name for c in first] == ["r5", "r0", "r1"], "partial first, then never run, by id"
    assert first[0].partial and len({c.token for c in first}) == 1, "one transaction, one token"
    assert engine.pool.checkedout() == 0, "no connection is held while the claims are scanned"
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            open_transactions = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%'"
                )
            ).scalar_one()
        assert open_transactions == 0
    second = claim_due(engine, clock(), CADENCE, limit=10)
    assert [c.repo.ref.name for c in second] == ["r2", "r3", "r4", "r6", "r7"], "the rest, none twice"
    assert claim_due(engine, clock(), CADENCE, limit=10) == [], "every one is leased"
    with engine.connect() as connection:
        assert len(connection.execute(select(active_scans)).all()) == 8
    release(engine, *first, *second)
    assert len(claim_due(engine, clock(), CADENCE, limit=10)) == 8, "given back: due again"
    engine.dispose()


def test_an_idle_poll_only_reads(database_url: str) -> None:
    """With nothing due, a registered daemon's claim writes and locks nothing (on SQLite the claim's first
    statement takes the database's write lock; on PostgreSQL it locks the worker's row)."""
    clock = Clock()
    engine = tracked(database_url, ["fleet/r0"], clock)
    register(engine, "worker", clock())
    assert len(claim_due(engine, clock(), CADENCE, limit=5)) == 1
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    assert claim_due(engine, clock(), CADENCE, limit=5) == []
    assert sent, "the poll asked the database"
    assert all(s.lstrip().upper().startswith("SELECT") and " FOR " not in s.upper() for s in sent), sent
    engine.dispose()


@postgresql_only
def test_postgresql_workers_skip_the_rows_another_is_claiming(database_url: str) -> None:
    clock = Clock()
    engine = tracked(database_url, [f"fleet/r{i}" for i in range(6)], clock)
    # A claim that waited for another's row locks would fail here after 5 s instead of skipping them.
    impatient = create_engine(
        engine.url.render_as_string(hide_password=False),
        connect_args={"options": "-c lock_timeout=5000"},
    )
    with engine.connect() as other, other.begin():  # another worker, in the middle of its claim
        locked = other.execute(
            select(repos.c.id).order_by(repos.c.id).limit(2).with_for_update(skip_locked=True)
        ).scalars()
        taken = claim_due(impatient, clock(), CADENCE, limit=2)
        assert {c.repo.id for c in taken}.isdisjoint(locked)
        assert [c.repo.ref.name for c in taken] == ["r2", "r3"]
    impatient.dispose()
    engine.dispose()


async def test_the_event_loop_runs_while_a_group_is_stored(
    database_url: str, corpus_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's transaction waits for something only the event loop does: it could not finish if the
    transaction ran on the loop. The dispatcher's claims are held to the same rule."""
    loop_ran = threading.Event()
    waited: dict[str, bool] = {}

    def needing_the_loop(name: str, original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if name not in waited:  # the first call waits for the loop to turn
                loop_ran.clear()
                waited[name] = loop_ran.wait(timeout=60)
            return original(*args, **kwargs)

        return call

    stored_by = needing_the_loop("store", writer_module.finish_leased)
    monkeypatch.setattr(writer_module, "finish_leased", stored_by)
    claimed_by = needing_the_loop("claim", dispatcher_module.claim_due)
    monkeypatch.setattr(dispatcher_module, "claim_due", claimed_by)

    async def beat() -> None:
        while True:
            await asyncio.sleep(0.01)
            loop_ran.set()

    clock = Clock()
    engine = tracked(database_url, CORPUS[:6], clock)
    settings = settings_for(corpus_emulator, start_interval=0, workers=4)
    beating = asyncio.create_task(beat())
    async with upstreams_for(corpus_emulator) as upstreams:
        dispatcher = Dispatcher(engine, upstreams, settings, now=clock, idle_poll=0.01, exit_when_idle=True)
        stats = await dispatcher.run()
    beating.cancel()
    assert waited == {"claim": True, "store": True}, "they ran while the loop kept running"
    assert stats.finished == 6 and dispatcher.writer.stored == 6
    engine.dispose()


async def test_the_daemon_fills_its_metadata_queries_whatever_its_worker_count(
    sqlite_url: str, emulator_factory: EmulatorFactory
) -> None:
    """Repositories are claimed 50 ahead and their metadata asked in one query, so four workers ask no
    more metadata queries than sixty-four would (before: one per burst of four)."""
    world = {
        "format": 1,
        "repos": [{"url": f"https://github.com/o{i % 5}/r{i}", "files": {}} for i in range(100)],
        "packages": [],
    }
    server = emulator_factory(world)
    clock = Clock()
    engine = tracked(sqlite_url, [r["url"] for r in world["repos"]], clock)
    settings = settings_for(server, start_interval=0, workers=4)
    async with upstreams_for(server) as upstreams:
        dispatcher = Dispatcher(engine, upstreams, settings, now=clock, idle_poll=0.01, exit_when_idle=True)
        stats = await dispatcher.run()
        assert upstreams.graphql is not None
        metadata_queries = upstreams.graphql.batches["metadata"]
    assert stats.finished == 100
    assert metadata_queries <= 3, metadata_queries  # 100 repositories, 50 a query
    engine.dispose()


@postgresql_only
def test_a_beat_does_not_wait_for_the_rows_a_group_commit_holds(database_url: str) -> None:
    """The group writer holds the rows of the scans it stores until it commits. A beat that waited on them
    could not beat again: a commit slower than three beats had this live worker taken for dead."""
    from distscout.store.claims import HELD, extend_leases

    clock = Clock()
    engine = tracked(database_url, [f"fleet/r{i}" for i in range(3)], clock)
    claims = claim_due(engine, clock(), CADENCE, limit=3)
    stored, others = claims[0], claims[1:]
    extended: list[int] = []
    with engine.connect() as writer:  # as the group writer storing r0: its rows locked, not committed
        writer.execute(select(repos.c.id).where(repos.c.id == stored.repo.id).with_for_update())
        writer.execute(select(active_scans).where(active_scans.c.repo_id == stored.repo.id).with_for_update())
        beat = threading.Thread(target=lambda: extended.append(extend_leases(engine, clock())))
        beat.start()
        beat.join(timeout=120)  # a bound against a hang, not a speed requirement
        blocked = beat.is_alive()
        writer.rollback()  # the locks go: a blocked beat ends now
    beat.join()
    assert not blocked, "the beat waited for the group writer's locks"
    assert extended == [len(others)], "every lease but the one being stored pushed on"
    release(engine, *claims)
    assert not HELD.snapshot()
    engine.dispose()
