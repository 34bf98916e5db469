"""Worker heartbeats: a dead worker's claims are taken back after a few missed beats, a live one's never."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import OperationalError

from distscout.captures import utc_now
from distscout.integrity.check import CLEAN, busy
from distscout.integrity.repair import _finish_run, _start_run
from distscout.repos import parse_repo_ref
from distscout.store import workers as workers_module
from distscout.store.claims import claim_repos, release
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos, list_repos
from distscout.store.schema import active_scans, integrity_runs, workers
from distscout.store.workers import (
    ABANDONED,
    claims_held_elsewhere,
    clock_skew,
    list_workers,
    reap_dead,
    reclaimable,
    register,
    still_registered,
)
from distscout.worker import heartbeat as heartbeat_module
from distscout.worker.heartbeat import Heartbeat, stale_after
from tests.databases import database_away, postgresql_only
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import settings_for, upstreams_for

STALE = stale_after(5)


class Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now


def _worker_id(name: str) -> str:
    return name.ljust(24, "0")


def _as_process(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Act as another process: its own worker id, so its claim tokens name it."""
    monkeypatch.setattr(workers_module, "_process_id", _worker_id(name))


def _fleet(url: str, count: int) -> Engine:
    engine = open_engine(url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref(f"acme/r{i}") for i in range(count)], utc_now())
    return engine


def _ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [repo.id for repo in list_repos(connection)]


def _running(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(active_scans)).scalar_one())


def test_a_dead_workers_claims_are_taken_back(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _fleet(database_url, 3)
    clock = Clock()
    _as_process(monkeypatch, "dead")
    register(engine, "worker", clock.now)
    ids = _ids(engine)
    held = claim_repos(engine, ids[:2], clock.now)  # leases, on both backends
    assert len(held) == 2 and _running(engine) == 2  # then the process dies: its leases stay behind

    _as_process(monkeypatch, "live")
    register(engine, "worker", clock.now)
    assert reap_dead(engine, clock.now + STALE / 2, STALE) == [], "silent for less than 3 beats: alive"
    (running,) = claim_repos(engine, ids[2:], clock.now).values()  # the live worker's own scan
    clock.now += STALE * 2
    register(engine, "worker", clock.now)  # the live one keeps beating
    with engine.connect() as connection:
        assert reclaimable(connection, clock.now, STALE) == 4  # two leases and two active scans
    assert reap_dead(engine, clock.now, STALE) == [_worker_id("dead")]
    assert _running(engine) == 1, "the live worker's running scan stays"
    retaken = claim_repos(engine, ids[:2], clock.now)
    assert sorted(retaken) == ids[:2], "claimable again at once, not after the 30-minute lease"
    with engine.connect() as connection:
        assert [w.kind for w in list_workers(connection)] == ["worker"]
    for claim in [*retaken.values(), running]:
        release(engine, claim)
    engine.dispose()


def test_the_heartbeat_beats_reaps_and_gives_back_on_exit(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _fleet(database_url, 2)
    clock = Clock()
    _as_process(monkeypatch, "gone")
    register(engine, "scan", clock.now)
    ids = _ids(engine)
    assert len(claim_repos(engine, ids[:1], clock.now)) == 1  # then the process is gone, its lease held

    _as_process(monkeypatch, "beating")
    heartbeat = Heartbeat(engine, "serve", 3600, clock).start()  # the thread never fires in this test
    clock.now += stale_after(3600) * 2
    heartbeat.beat_once()
    assert heartbeat.reaped == [_worker_id("gone")]
    with engine.connect() as connection:
        (row,) = list_workers(connection)
    assert (row.kind, row.beat_at) == ("serve", clock.now)

    stranded = claim_repos(engine, ids[1:], clock.now)  # left behind by an exit through an error
    assert stranded and _running(engine) == 1
    heartbeat.stop()
    assert _running(engine) == 0
    with engine.connect() as connection:
        assert list_workers(connection) == []
    if engine.dialect.name == "sqlite":
        assert sorted(claim_repos(engine, ids, clock.now)) == ids, "its leases were given back"
    for claim in stranded.values():
        release(engine, claim)
    engine.dispose()


@postgresql_only
def test_a_worker_back_from_an_outage_takes_no_one_for_dead_at_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the database was away no worker could beat: the first one back waits a whole window of answered
    beats before it takes another for dead, or a fleet would reap itself after every failover."""
    engine = _fleet(database_url, 1)
    clock = Clock()
    _as_process(monkeypatch, "other")
    register(engine, "worker", clock.now)
    assert len(claim_repos(engine, _ids(engine), clock.now)) == 1
    _as_process(monkeypatch, "back")
    heartbeat = Heartbeat(engine, "serve", 3600, clock).start()  # the thread never fires in this test
    window = stale_after(3600)
    with database_away(database_url):
        clock.now += window * 2
        heartbeat.beat_once()  # not answered
    clock.now += window / 3
    heartbeat.beat_once()
    assert heartbeat.reaped == [], "the other worker could not beat either"
    clock.now += window
    heartbeat.beat_once()
    assert heartbeat.reaped == [_worker_id("other")], "silent a whole window while the database answered"
    heartbeat.stop()
    engine.dispose()


def test_at_start_up_only_a_gone_process_of_this_machine_is_taken_for_dead_at_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker starting (a restart after a crash) gives its crashed predecessor's claims back at once: that
    process is gone. A worker of another machine waits a whole window: a worker starting as the database
    comes back from an outage must not take the whole fleet for dead before it has had time to beat."""
    engine = _fleet(database_url, 2)
    clock = Clock()
    for name, repo_id in zip(("crashed", "elsewhere"), _ids(engine), strict=True):
        _as_process(monkeypatch, name)
        register(engine, "worker", clock.now)
        assert claim_repos(engine, [repo_id], clock.now)
    command = [sys.executable, "-c", "import os; print(os.getpid())"]
    finished = subprocess.run(command, capture_output=True, check=True)  # a process that is gone
    with engine.begin() as connection:
        connection.execute(
            update(workers).where(workers.c.id == _worker_id("crashed")).values(pid=int(finished.stdout))
        )
        connection.execute(
            update(workers).where(workers.c.id == _worker_id("elsewhere")).values(host="another-machine")
        )
    clock.now += stale_after(3600) * 2  # both silent, for longer than the starting worker's window
    _as_process(monkeypatch, "starting")
    heartbeat = Heartbeat(engine, "serve", 3600, clock).start()  # the thread never fires in this test
    assert heartbeat.reaped == [_worker_id("crashed")], "its process is gone: dead for sure"
    clock.now += stale_after(3600)
    heartbeat.beat_once()
    assert heartbeat.reaped == [_worker_id("crashed"), _worker_id("elsewhere")], "a whole window silent"
    heartbeat.stop()
    engine.dispose()


def test_a_worker_taken_for_dead_registers_again(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _fleet(database_url, 0)
    clock = Clock()
    _as_process(monkeypatch, "sleepy")
    heartbeat = Heartbeat(engine, "worker", 3600, clock).start()
    clock.now += STALE * 2  # suspended: another process reaps it
    assert reap_dead(engine, clock.now, STALE) == [heartbeat.worker_id]
    heartbeat.beat_once()
    with engine.connect() as connection:
        assert [w.id for w in list_workers(connection)] == [heartbeat.worker_id]
    heartbeat.stop()
    engine.dispose()


def test_claims_held_elsewhere_are_what_an_idle_exit_waits_for(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _fleet(database_url, 2)
    clock = Clock()
    ids = _ids(engine)
    _as_process(monkeypatch, "other")
    (theirs,) = claim_repos(engine, ids[:1], clock.now).values()
    _as_process(monkeypatch, "me")
    (mine,) = claim_repos(engine, ids[1:], clock.now).values()
    with engine.connect() as connection:
        held = claims_held_elsewhere(connection, clock.now)
    assert held == 2, "a lease and a running scan; only mine left out"
    for claim in (theirs, mine):
        release(engine, claim)
    with engine.connect() as connection:
        assert claims_held_elsewhere(connection, clock.now) == 0
    engine.dispose()


async def test_an_idle_exit_waits_for_claims_another_process_holds(
    database_url: str, monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory
) -> None:
    from distscout.worker.dispatcher import Dispatcher

    world = {"format": 1, "repos": [{"url": "https://github.com/acme/r0"}], "packages": []}
    engine = _fleet(database_url, 1)
    clock = Clock()
    ids = _ids(engine)
    _as_process(monkeypatch, "dying")
    register(engine, "worker", clock.now)
    assert len(claim_repos(engine, ids, clock.now)) == 1  # then it is killed holding the claim
    _as_process(monkeypatch, "idle")
    server = emulator_factory(world)
    polls = 0

    def now() -> datetime:
        nonlocal polls
        polls += 1
        if polls == 20:  # a while later, a live worker's heartbeat takes the dead one's claims back
            assert reap_dead(engine, clock.now + STALE * 2, STALE)
        return clock.now

    settings = settings_for(server, start_interval=0, database_url=database_url)
    async with upstreams_for(server) as upstreams:
        stats = await Dispatcher(
            engine, upstreams, settings, now=now, idle_poll=0.001, exit_when_idle=True
        ).run()
    assert stats.finished == 1, "it scanned the repository the dead one held"
    assert polls >= 20, "it waited for the lease to be taken back instead of exiting"
    engine.dispose()


def test_a_live_workers_leases_outlast_a_long_scan(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from distscout.store.claims import DEFAULT_LEASE, HELD, claim_due

    engine = _fleet(database_url, 2)
    clock = Clock()
    _as_process(monkeypatch, "slow")
    heartbeat = Heartbeat(engine, "serve", 3600, clock).start()  # beats only when told, below
    ids = _ids(engine)
    (held,) = claim_repos(engine, ids[:1], clock.now).values()
    assert (held.repo.id, held.token) in HELD.snapshot()
    for _ in range(4):  # a scan of two hours, its worker beating all along
        clock.now += DEFAULT_LEASE / 2
        heartbeat.beat_once()
    later = clock.now + DEFAULT_LEASE / 2
    others = claim_due(engine, later, timedelta(seconds=1), limit=10)
    assert [c.repo.id for c in others] == ids[1:], "the long scan's repository is still its worker's"
    release(engine, held, *others)
    assert (held.repo.id, held.token) not in HELD.snapshot(), "given back: no longer extended"
    heartbeat.stop()
    engine.dispose()


def test_a_repair_killed_mid_run_is_abandoned_with_its_worker(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A daemon killed while its start-up repair ran: the check said "in progress" for the run's hour-long
    lease; now the run goes with its worker's other claims, and a live worker's run stays in progress."""
    engine = _fleet(database_url, 1)
    clock = Clock()
    _as_process(monkeypatch, "dead")
    register(engine, "daemon", clock.now)
    killed = _start_run(engine, clock.now)  # ... and the process dies before `_finish_run`
    _as_process(monkeypatch, "live")
    register(engine, "daemon", clock.now)
    with engine.connect() as connection:
        assert busy(connection, clock.now), "alive as far as anyone knows: its run is in progress"
    clock.now += STALE * 2
    register(engine, "daemon", clock.now)
    assert reap_dead(engine, clock.now, STALE) == [_worker_id("dead")]
    with engine.connect() as connection:
        assert not busy(connection, clock.now), "the dead worker's run no longer reads as running"
        row = connection.execute(select(integrity_runs).where(integrity_runs.c.id == killed)).one()
    assert row.summary == ABANDONED and row.finished_at is not None
    running = _start_run(engine, clock.now)  # the live worker's own run
    clock.now += STALE * 2
    register(engine, "daemon", clock.now)
    assert reap_dead(engine, clock.now, STALE) == []
    with engine.connect() as connection:
        assert busy(connection, clock.now, ignore_run=killed), "a live worker's run is in progress"
        assert not busy(connection, clock.now, ignore_run=running)
    _finish_run(engine, killed, clock.now, CLEAN)  # the "dead" process had only stalled, and finished
    with engine.connect() as connection:
        row = connection.execute(select(integrity_runs).where(integrity_runs.c.id == killed)).one()
    assert row.summary == CLEAN and row.finished_at == clock.now, "its real result replaces the mark"
    engine.dispose()


def test_a_worker_taken_for_dead_registers_again_before_it_claims(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stall longer than three beats: the others take the worker for dead, and its next claim must not
    leave leases under no worker row (a SIGKILL before its next beat would strand them for the 30-minute
    lease); the claim registers it again, so a later reap still finds them."""
    engine = _fleet(database_url, 2)
    clock = Clock()
    ids = _ids(engine)
    _as_process(monkeypatch, "stalled")
    register(engine, "worker", clock.now)
    _as_process(monkeypatch, "other")
    register(engine, "worker", clock.now + STALE * 2)
    assert reap_dead(engine, clock.now + STALE * 2, STALE) == [_worker_id("stalled")]

    _as_process(monkeypatch, "stalled")  # it wakes up and claims before its heartbeat notices
    clock.now += STALE * 2
    claim_repos(engine, ids, clock.now)
    with engine.connect() as connection:
        assert _worker_id("stalled") in [w.id for w in list_workers(connection)]
    _as_process(monkeypatch, "other")  # ... and is killed: its beat stops
    register(engine, "worker", clock.now + STALE * 2)
    assert reap_dead(engine, clock.now + STALE * 2, STALE) == [_worker_id("stalled")]
    assert sorted(claim_repos(engine, ids, clock.now + STALE * 2)) == ids, "its leases came back"
    engine.dispose()


def test_a_reap_waits_for_a_claim_that_found_its_worker_registered(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After `still_registered`, a reap cannot take the worker's row before the claim's leases commit:
    on PostgreSQL the row is share-locked, on SQLite the claim holds the database's write lock already."""
    engine = _fleet(database_url, 0)
    clock = Clock()
    _as_process(monkeypatch, "claimer")
    register(engine, "worker", clock.now)
    other = open_engine(database_url, migrate=False)  # another process's connection
    with engine.begin() as connection:
        still_registered(connection, clock.now)
        assert not _could_delete_at_once(other, _worker_id("claimer")), "a reap would wait for the claim"
    assert _could_delete_at_once(other, _worker_id("claimer")), "and goes on once it has committed"
    other.dispose()
    engine.dispose()


def _could_delete_at_once(engine: Engine, worker_id: str) -> bool:
    """Whether a reap could delete the worker's row now, without waiting for a lock (and rolled back)."""
    with engine.connect() as connection:
        try:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA busy_timeout = 0")
                connection.execute(delete(workers).where(workers.c.id == worker_id))
            else:
                connection.execute(
                    select(workers.c.id).where(workers.c.id == worker_id).with_for_update(nowait=True)
                )
            return True
        except OperationalError:
            return False
        finally:
            connection.rollback()


def test_registering_twice_at_once_is_no_error(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a stall, the heartbeat and a claim may both find the worker's row gone and insert it: the
    second insert does nothing (it raised a duplicate key, and the claim's error stopped the daemon)."""
    engine = _fleet(database_url, 0)
    _as_process(monkeypatch, "woken")
    worker_id = register(engine, "worker", utc_now())
    with engine.begin() as connection:
        workers_module._insert(connection, worker_id, "worker", utc_now())
    with engine.connect() as connection:
        assert [w.id for w in list_workers(connection)] == [worker_id]
    engine.dispose()


def test_the_database_servers_clock_is_compared_with_this_machines(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Measured on PostgreSQL (one machine here: in step); SQLite's clock is this machine's. A worker whose
    clock is off by half a beat or more says so once, at start."""
    engine = _fleet(database_url, 0)
    with engine.connect() as connection:
        skew = clock_skew(connection)
    if engine.dialect.name == "sqlite":
        assert skew is None
    else:
        assert skew is not None and abs(skew) < 60, "the same machine's clock, read over loopback"
    monkeypatch.setattr(heartbeat_module, "clock_skew", lambda connection: 12.0)
    heartbeat = Heartbeat(engine, "worker", 5, Clock()).start()
    heartbeat.stop()
    said = [r.getMessage() for r in caplog.records if "database server's" in r.getMessage()]
    assert said == [
        "this machine's clock is 12.0 s behind the database server's: synchronise it (NTP), or other "
        "workers may take this one for dead"
    ]
    engine.dispose()
