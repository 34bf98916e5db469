"""A daemon outlasts its database going away (a server restart, a failover): it waits, then stores every
scan it made meanwhile; no scan fails, nothing is scanned twice, and the log says so in two lines."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, make_url, select, text
from sqlalchemy.exc import DBAPIError

from distscout.emulator.server import EmulatorServer
from distscout.store import claims as claims_module
from distscout.store.claims import HELD
from distscout.store.http_cache import StoreConditionalCache
from distscout.store.outage import unavailable
from distscout.store.schema import repos
from distscout.worker import dispatcher as dispatcher_module
from distscout.worker.dispatcher import Dispatcher
from distscout.worker.outage import OUTAGE
from tests.corpus import repos as corpus_repos
from tests.databases import connect_args, database_away, postgresql_only
from tests.sources.helpers import settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

CORPUS = [r.url for r in corpus_repos()]
AWAY_SECONDS = 1.0  # after the daemon has found it away


def _back_once_found_away(away: Any, back: threading.Event) -> None:
    for _ in range(6000):  # at most a minute: the daemon finds it away at its next statement
        if OUTAGE.away:
            break
        time.sleep(0.01)
    time.sleep(AWAY_SECONDS)
    away.__exit__(None, None, None)
    back.set()


@postgresql_only
async def test_the_daemon_outlasts_its_database_going_away(
    database_url: str,
    corpus_emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    back = threading.Event()
    original = dispatcher_module.claim_due

    def claim_then_lose_the_database(*args: Any, **kwargs: Any) -> Any:
        claims = original(*args, **kwargs)
        if claims and not hasattr(claim_then_lose_the_database, "away"):
            # away before any of these scans can be stored; back once the daemon has found it away
            away = database_away(database_url)
            away.__enter__()
            claim_then_lose_the_database.away = away  # type: ignore[attr-defined]
            threading.Thread(target=_back_once_found_away, args=(away, back)).start()
        return claims

    monkeypatch.setattr(dispatcher_module, "claim_due", claim_then_lose_the_database)
    clock = Clock.real()
    engine = tracked(database_url, CORPUS[:12], clock)
    settings = settings_for(corpus_emulator, start_interval=0, workers=4)
    outages = OUTAGE.count
    caplog.set_level(logging.WARNING, logger="distscout.database")
    async with upstreams_for(corpus_emulator) as upstreams:
        dispatcher = Dispatcher(engine, upstreams, settings, now=clock, idle_poll=0.01, exit_when_idle=True)
        stats = await dispatcher.run()
    assert back.wait(30)
    assert OUTAGE.count == outages + 1 and not OUTAGE.away, "the daemon met the outage, and saw it end"
    assert (stats.finished, stats.errors, dispatcher.writer.stored) == (12, 0, 12)
    with engine.connect() as connection:
        complete = connection.execute(select(repos.c.distribution_scan_complete)).scalars().all()
    assert complete == [True] * 12, "every scan made while the database was away was stored after"
    said = [record.getMessage() for record in caplog.records if record.name == "distscout.database"]
    assert len(said) == 2 and said[0].startswith("database unavailable (") and "back after" in said[1]
    assert "\n" not in said[0], said[0]
    engine.dispose()


@postgresql_only
async def test_a_cache_the_database_cannot_answer_is_a_miss(database_url: str) -> None:
    """The conditional-request cache is an optimisation: with the database away, a lookup is a miss (the
    request goes out in full) instead of an error that would fail the source's answer."""
    engine = tracked(database_url, [], Clock())
    cache = StoreConditionalCache(engine)
    with engine.connect():
        pass  # a pooled connection, which the outage ends
    with database_away(database_url):
        assert await cache.lookup("GET https://api.github.com/repos/acme/widget") is None
    engine.dispose()


@postgresql_only
def test_a_claim_whose_transaction_failed_holds_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection lost once the leases were written: whether or not they were committed, this process
    must not go on extending them at every beat (it would hold those repositories for as long as it lives);
    they are left to run out."""
    clock = Clock()
    engine = tracked(database_url, ["fleet/r0", "fleet/r1"], clock)
    original = claims_module._lease

    def lease_then_lose_the_connection(connection: Connection, *args: Any, **kwargs: Any) -> Any:
        leased = original(connection, *args, **kwargs)
        assert leased and HELD.snapshot(), "held as soon as leased"
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(**connect_args(make_url(database_url)), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])  # ended before the COMMIT
        return leased

    monkeypatch.setattr(claims_module, "_lease", lease_then_lose_the_connection)
    with pytest.raises(DBAPIError):
        claims_module.claim_due(engine, clock(), timedelta(days=180), limit=2)
    assert HELD.snapshot() == []
    engine.dispose()


@postgresql_only
async def test_a_daemon_told_to_stop_while_the_database_is_away_stops(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    """Waiting for the database must not make a daemon deaf to SIGTERM: it stops claiming at once."""
    clock = Clock.real()
    engine = tracked(database_url, CORPUS[:2], clock)
    settings = settings_for(corpus_emulator, start_interval=0, workers=2)
    async with upstreams_for(corpus_emulator) as upstreams:
        dispatcher = Dispatcher(engine, upstreams, settings, now=clock, idle_poll=0.01)
        with database_away(database_url):
            running = asyncio.create_task(dispatcher.run())
            while not OUTAGE.away:
                await asyncio.sleep(0.01)
            dispatcher.stop()
            stats = await asyncio.wait_for(running, timeout=120)  # a hang guard, not a speed limit
    assert stats.started == 0 and OUTAGE.away
    engine.dispose()


def test_only_an_absent_database_counts_as_one(database_url: str) -> None:
    """A statement that fails by itself (a missing table, cancelled, a lock not free) is a real error: a
    daemon that waited for it to pass would wait forever behind it."""
    engine = tracked(database_url, [], Clock())

    def error_of(*statements: str) -> BaseException:
        with pytest.raises(DBAPIError) as raised, engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        return raised.value

    assert not unavailable(error_of("SELECT * FROM no_such_table"), engine)
    if engine.dialect.name == "postgresql":
        cancelled = error_of("SET LOCAL statement_timeout = 1", "SELECT pg_sleep(1)")
        assert not unavailable(cancelled, engine), "cancelled"
        with engine.begin() as other:
            other.execute(text("LOCK TABLE repos"))
            assert not unavailable(error_of("LOCK TABLE repos NOWAIT"), engine), "a lock not free"
        with database_away(database_url), pytest.raises(DBAPIError) as refused, engine.connect():
            pass
        assert unavailable(refused.value, engine), "no connection could be opened"
    engine.dispose()


@postgresql_only
async def test_scans_waiting_for_the_database_end_unstored_when_told_to_stop(
    database_url: str, corpus_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop (SIGTERM) drains: running scans finish and are stored. With the database away they cannot
    be, and waiting for it would make the worker deaf to its supervisor: they end unstored instead."""
    original = dispatcher_module.claim_due
    outage = database_away(database_url)

    def claim_then_lose_the_database(*args: Any, **kwargs: Any) -> Any:
        claims = original(*args, **kwargs)
        if claims and not hasattr(claim_then_lose_the_database, "done"):
            claim_then_lose_the_database.done = True  # type: ignore[attr-defined]
            outage.__enter__()
        return claims

    monkeypatch.setattr(dispatcher_module, "claim_due", claim_then_lose_the_database)
    clock = Clock.real()
    engine = tracked(database_url, CORPUS[:6], clock)
    settings = settings_for(corpus_emulator, start_interval=0, workers=6)
    try:
        async with upstreams_for(corpus_emulator) as upstreams:
            dispatcher = Dispatcher(engine, upstreams, settings, now=clock, idle_poll=0.01)
            running = asyncio.create_task(dispatcher.run())
            while not (OUTAGE.away and dispatcher.writer.waiting):  # scans made, waiting for the database
                await asyncio.sleep(0.01)
            dispatcher.stop()  # the first stop: drain
            stats = await asyncio.wait_for(running, timeout=120)  # a hang guard, not a speed limit
    finally:
        outage.__exit__(None, None, None)
    assert stats.started >= 1 and stats.finished == 0 and dispatcher.writer.stored == 0
    assert stats.unstored == stats.started and stats.errors == 0, stats
    engine.dispose()


@postgresql_only
async def test_an_answer_shared_while_the_database_is_away_is_shared_once_it_is_back(
    database_url: str,
) -> None:
    """An owner's listing is written at once for the fleet (`share`); the database away, it stays buffered
    and goes with the next flush, instead of every other process asking upstream for it again."""
    from distscout.http.cache import CachedAnswer

    engine = tracked(database_url, [], Clock())
    cache = StoreConditionalCache(engine)
    listing = CachedAnswer('"listing"', b'[{"name": "widget"}]')
    with engine.connect():
        pass  # a pooled connection, which the outage ends
    with database_away(database_url):
        cache.store("https://api.github.com/orgs/acme/packages?package_type=npm", listing)
        cache.share("https://api.github.com/orgs/acme/packages?package_type=npm")
        await cache.settled()
    await cache.aflush()
    found = await StoreConditionalCache(engine).lookup(
        "https://api.github.com/orgs/acme/packages?package_type=npm"
    )
    engine.dispose()
    assert found is not None and found.etag == '"listing"' and found.body == listing.body
