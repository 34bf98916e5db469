"""The heartbeat: this process's worker row beaten every few seconds, and dead workers' claims taken back.

Each beat also extends the leases of the claims this process holds (`claims.HELD`), so a lease belongs to a
live worker: a scan longer than the lease is not taken over while its worker beats.

A thread of its own, not a task on the event loop: a loop busy with hundreds of scans (or blocked by a
long statement) must not look dead, and database work stays off the loop. Each beat also reaps workers
silent for `MISSED_BEATS` beats, so any live process — a `scan`, a daemon, another machine's worker —
gives a SIGKILLed worker's repositories back within about `MISSED_BEATS + 1` beats.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from distscout.store.claims import extend_leases
from distscout.store.outage import unavailable, why
from distscout.store.workers import beat, clock_off, clock_skew, deregister, reap_dead, register, skew_said
from distscout.worker.outage import OUTAGE

MISSED_BEATS = 3
log = logging.getLogger("distscout.heartbeat")


def stale_after(interval_seconds: float) -> timedelta:
    """How long a worker may be silent before its claims are taken back."""
    return timedelta(seconds=interval_seconds * MISSED_BEATS)


class ProcessHeartbeat:
    """One heartbeat for the whole process, however many of its parts claim work: the first user starts
    it, the last one stops it (stopping gives back every claim the process still holds)."""

    _lock = threading.Lock()
    _beat: Heartbeat | None = None
    _users = 0

    def __init__(self, engine: Engine, kind: str, interval_seconds: float) -> None:
        self.engine, self.kind, self.interval = engine, kind, interval_seconds

    def __enter__(self) -> ProcessHeartbeat:
        cls = type(self)
        with cls._lock:
            if cls._beat is None:
                cls._beat = Heartbeat(self.engine, self.kind, self.interval, _utc_now).start()
            cls._users += 1
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        cls = type(self)
        with cls._lock:
            cls._users -= 1
            if cls._users == 0 and cls._beat is not None:
                cls._beat.stop()
                cls._beat = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Heartbeat:
    def __init__(
        self, engine: Engine, kind: str, interval_seconds: float, clock: Callable[[], datetime]
    ) -> None:
        self.engine, self.kind, self.interval, self.clock = engine, kind, interval_seconds, clock
        self.worker_id: str | None = None
        self.reaped: list[str] = []  # the dead workers this process took claims back from
        self._beaten = False
        self._answering_since: datetime | None = None  # the database has answered every beat since
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        """Register and reap at once (a restart after a crash gives its own old claims back now)."""
        self.worker_id = register(self.engine, self.kind, self.clock())
        self._compare_clocks()
        self.beat_once()
        self._thread = threading.Thread(target=self._run, name="distscout-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _compare_clocks(self) -> None:
        """Said once at start: beats and leases are compared across machines, each written by its own clock,
        so a clock half a beat off the database server's makes live workers look dead or dead ones alive."""
        with self.engine.connect() as connection:
            skew = clock_skew(connection)
        if skew is not None and clock_off(skew, self.interval):
            log.warning(
                "this machine's clock is %s: synchronise it (NTP), or other workers may take this one "
                "for dead",
                skew_said(skew),
            )

    def beat_once(self) -> None:
        assert self.worker_id is not None  # noqa: S101 - start() sets it before any beat
        now = self.clock()
        try:
            if not beat(self.engine, self.worker_id, now):
                # taken for dead (a stalled process, a suspended laptop): its claims may be gone; the
                # scans it still runs are not stored when their lease was taken (ClaimLost).
                log.warning("heartbeat: this worker was taken for dead; registering again")
                self.worker_id = register(self.engine, self.kind, now)
            extend_leases(self.engine, now)  # a live worker's leases never run out mid-scan
            dead = self._reap(now)
        except SQLAlchemyError as exc:  # the database is away for a moment: beat again next time
            self._answering_since = None
            if unavailable(exc, self.engine):
                OUTAGE.went(exc)  # said once for the process, not at every beat
            else:
                log.warning("heartbeat: the database did not answer: %s", why(exc))
            return
        OUTAGE.came_back()
        if dead:
            self.reaped += dead
            log.info("heartbeat: took back the claims of dead workers %s", ", ".join(dead))

    def _reap(self, now: datetime) -> list[str]:
        """Take back dead workers' claims once the database has answered this worker for a whole window:
        after an outage every worker's beat is late, and one that comes back (or starts) first must not
        take the others for dead before they have had time to beat again. At start-up, a crashed
        predecessor on this machine (its process gone) gives its claims back at once."""
        first, self._beaten = not self._beaten, True
        if self._answering_since is None:
            self._answering_since = now
        window = stale_after(self.interval)
        if now - self._answering_since >= window:
            return reap_dead(self.engine, now, window)
        return reap_dead(self.engine, now, window, here_only=True) if first else []

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat_once()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.worker_id is not None:
            try:
                deregister(self.engine, self.worker_id)
            except SQLAlchemyError as exc:  # the row is reaped later like a dead worker's
                log.warning("heartbeat: could not deregister: %s", why(exc))

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
