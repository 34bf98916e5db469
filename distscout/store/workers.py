"""Worker liveness: which processes hold claims, and taking back the claims of the dead ones.

Every process that claims repositories registers a row and beats it every few seconds (worker/heartbeat.py).
Its claim tokens begin with its worker id, so when its beat stops — SIGKILL, a power cut, an OOM kill — any
other live process takes back its leases and `active_scans` entries after a few missed beats, instead of
when the 30-minute lease runs out, and marks the integrity runs it left unfinished abandoned (else
`integrity check` would say "in progress" for the hour of their lease). As procrastinate does with stalled
workers.

A process that never registered (a library caller, a test) keeps today's behaviour: its leases run out.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, or_, select, update

from distscout.store.bulk import conflict_insert
from distscout.store.schema import active_scans, integrity_runs, repos, workers

ABANDONED = "abandoned: its process stopped before the run finished"

_SEPARATOR = "."
_process_id: str | None = None
_registered: dict[str, str] = {}  # the worker ids this process registered, and their kind


def process_worker_id() -> str:
    """This process's worker id: the prefix of every claim token it takes (a new one after a fork)."""
    global _process_id  # noqa: PLW0603 - one identity per process, read by every claim it takes
    if _process_id is None:
        _process_id = uuid.uuid4().hex[:24]
    return _process_id


def _forget_after_fork() -> None:
    global _process_id  # noqa: PLW0603
    _process_id = None
    _registered.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def claim_token() -> str:
    """A fresh claim token that names this process's worker."""
    return f"{process_worker_id()}{_SEPARATOR}{uuid.uuid4().hex[:16]}"


def _held_by(column: Any, worker_ids: list[str]) -> Any:
    """Held under one of these workers' ids (`IS NOT NULL` first: the repos table's held leases are found
    through their partial index, `ix_repos_held`, not by reading every repository)."""
    prefixes = or_(*(column.startswith(worker_id + _SEPARATOR, autoescape=True) for worker_id in worker_ids))
    return column.is_not(None) & prefixes


@dataclass(frozen=True)
class WorkerRow:
    id: str
    kind: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "started_at": self.started_at.isoformat(),
            "beat_at": self.beat_at.isoformat(),
        }


def register(engine: Engine, kind: str, now: datetime) -> str:
    """Register this process (or beat it, if it is registered already); returns its worker id."""
    worker_id = process_worker_id()
    with engine.begin() as connection:
        if not _beat(connection, worker_id, now):
            _insert(connection, worker_id, kind, now)
    _registered[worker_id] = kind
    return worker_id


def _insert(connection: Connection, worker_id: str, kind: str, now: datetime) -> None:
    # the heartbeat and a claim may both find the row gone after a stall: the second insert is a no-op
    connection.execute(
        conflict_insert(connection, workers)
        .on_conflict_do_nothing(index_elements=[workers.c.id])
        .values(
            id=worker_id,
            kind=kind,
            host=_host(),
            pid=os.getpid(),
            started_at=now,
            beat_at=now,
        )
    )


def still_registered(connection: Connection, now: datetime) -> None:
    """The first statement of a claim's transaction: a registered process taken for dead (a stall longer
    than three beats) registers again before it leases, so its new leases never outlive a row that a reap
    takes them back by. A reap that comes first has deleted the row (and this inserts it again); one that
    comes second waits for the claim to commit, and then takes its leases too. On PostgreSQL the row is read
    FOR KEY SHARE (it blocks a reap's DELETE, not the heartbeat's UPDATE of beat_at); SQLite takes no row
    lock, so there the row is written, which takes the database's write lock at once."""
    worker_id = process_worker_id()
    kind = _registered.get(worker_id)
    if kind is None:  # never registered (a library caller): its leases run out instead
        return
    row = workers.c.id == worker_id
    if connection.dialect.name == "sqlite":
        found = connection.execute(update(workers).where(row).values(kind=workers.c.kind)).rowcount > 0
    else:
        locked = select(workers.c.id).where(row).with_for_update(read=True, key_share=True)
        found = connection.execute(locked).first() is not None
    if not found:
        _insert(connection, worker_id, kind, now)


def beat(engine: Engine, worker_id: str, now: datetime) -> bool:
    """Beat the worker's row; False when it is gone (the worker was taken for dead: register again)."""
    with engine.begin() as connection:
        return _beat(connection, worker_id, now)


def _beat(connection: Connection, worker_id: str, now: datetime) -> bool:
    done = connection.execute(update(workers).where(workers.c.id == worker_id).values(beat_at=now))
    return bool(done.rowcount)


def deregister(engine: Engine, worker_id: str) -> None:
    """An exit: the row goes, and any claim still held under it (an exit through an error) is given back."""
    _registered.pop(worker_id, None)
    with engine.begin() as connection:
        _take_back(connection, [worker_id])


def _take_back(connection: Connection, worker_ids: list[str]) -> None:
    # The rows first: a claim under way holds its worker's row (`still_registered`), so this waits for it
    # to commit, and the statements below (each a fresh snapshot) then see its leases.
    connection.execute(delete(workers).where(workers.c.id.in_(worker_ids)))
    connection.execute(
        update(repos)
        .where(_held_by(repos.c.distribution_claimed_by, worker_ids))
        .values(distribution_claimed_by=None, distribution_claimed_until=None)
    )
    connection.execute(delete(active_scans).where(_held_by(active_scans.c.worker, worker_ids)))
    # when it stopped is not known: an abandoned run reads as finished when it started
    connection.execute(
        update(integrity_runs)
        .where(integrity_runs.c.worker.in_(worker_ids), integrity_runs.c.finished_at.is_(None))
        .values(finished_at=integrity_runs.c.started_at, summary=ABANDONED)
    )


def reap_dead(engine: Engine, now: datetime, stale_after: timedelta, *, here_only: bool = False) -> list[str]:
    """Take back the claims of every worker whose beat is older than `stale_after`; their ids. `here_only`:
    only those of this machine whose process is gone (known dead whatever the beats say)."""
    with engine.begin() as connection:
        silent = select(workers.c.id, workers.c.pid).where(workers.c.beat_at < now - stale_after)
        if here_only:
            silent = silent.where(workers.c.host == _host())
        dead = [row.id for row in connection.execute(silent) if not here_only or not _running_here(row.pid)]
        if dead:
            _take_back(connection, dead)
    return dead


def clock_skew(connection: Connection) -> float | None:
    """Seconds the database server's clock is ahead of this machine's (negative: behind), half the round
    trip allowed for; None on SQLite, whose clock is this machine's. Workers on several machines compare
    beats and leases each wrote with its own clock: a skew longer than a beat reads as a dead worker."""
    if connection.dialect.name != "postgresql":
        return None
    before = datetime.now(UTC)
    theirs: datetime = connection.execute(select(func.clock_timestamp())).scalar_one()
    after = datetime.now(UTC)
    return (theirs - (before + (after - before) / 2)).total_seconds()


def clock_off(skew: float, heartbeat_seconds: float) -> bool:
    """Whether a clock `skew` seconds off the database server's is enough to matter: half a beat."""
    return abs(skew) >= heartbeat_seconds / 2


def skew_said(skew: float) -> str:
    """`12.0 s behind the database server's` (the server's clock ahead of this machine's), or `ahead of`."""
    return f"{abs(skew):.1f} s {'behind' if skew > 0 else 'ahead of'} the database server's"


def _host() -> str:
    return socket.gethostname()[:255]


def _running_here(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: that pid is taken, perhaps by the worker itself
        return True
    return True


def reclaimable(connection: Connection, now: datetime, stale_after: timedelta) -> int:
    """Claims and running-scan entries held by workers whose beat stopped: work a reap will give back."""
    dead = select(workers.c.id).where(workers.c.beat_at < now - stale_after)
    ids = list(connection.execute(dead).scalars())
    if not ids:
        return 0
    leases = select(func.count()).select_from(repos).where(_held_by(repos.c.distribution_claimed_by, ids))
    running = select(func.count()).select_from(active_scans).where(_held_by(active_scans.c.worker, ids))
    return int(connection.execute(leases).scalar_one()) + int(connection.execute(running).scalar_one())


def claims_held_elsewhere(connection: Connection, now: datetime) -> int:
    """Claims and running scans of other processes, live or not yet taken for dead: work that may still
    come back to the queue (an `--exit-when-idle` worker waits for it)."""
    mine = process_worker_id() + _SEPARATOR
    leases = (
        select(func.count())
        .select_from(repos)
        .where(
            repos.c.distribution_claimed_by.is_not(None),  # the held ones, by their index
            repos.c.distribution_claimed_until > now,
            ~repos.c.distribution_claimed_by.startswith(mine, autoescape=True),
        )
    )
    running = (
        select(func.count())
        .select_from(active_scans)
        .where(active_scans.c.until > now, ~active_scans.c.worker.startswith(mine, autoescape=True))
    )
    return int(connection.execute(leases).scalar_one()) + int(connection.execute(running).scalar_one())


def list_workers(connection: Connection) -> list[WorkerRow]:
    rows = connection.execute(select(workers).order_by(workers.c.started_at, workers.c.id))
    return [WorkerRow(**row._mapping) for row in rows]
