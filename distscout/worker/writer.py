"""Group commit: scans that finish close together are stored in one transaction, off the event loop.

A rotation is about fifteen statements and a commit; scans finishing within `window` seconds of each other
(or `most` of them) share one set of set-based statements instead (`finish_leased`), which is what lets one
process store a few hundred scans a second, on SQLite and PostgreSQL alike. Each scan is still
all-or-nothing: the group is one transaction, and when it fails each scan is retried alone, so one bad scan
costs no other.

The transactions run in a thread, one group at a time, as datasette does its writes: the event loop (the
scans' network I/O, and under `serve` the web API) never waits on a commit. Scans that finish while a group
is being written form the next group, so a slow commit makes bigger groups, not a queue of small ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.results import ScanResult, Stored
from distscout.store.claims import Claim, finish_leased
from distscout.store.outage import unavailable
from distscout.worker.outage import DatabaseAway, outlast

log = logging.getLogger("distscout.writer")

Now = Callable[[], datetime]


class GroupWriter:
    def __init__(
        self,
        engine: Engine,
        cadence: timedelta,
        *,
        now: Now = utc_now,
        window: float = 0.05,
        most: int = 32,
    ) -> None:
        self.engine, self.cadence, self.now = engine, cadence, now
        self.window, self.most = window, max(1, most)
        self._pending: list[tuple[Claim, ScanResult, asyncio.Future[Stored]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None  # one group at a time, in a thread
        self.stopping: asyncio.Event | None = None  # once set, a group stops waiting for an absent database
        self._writing = 0  # scans in the group being written
        self.groups = 0  # transactions written (for benchmarks: scans per group = stored / groups)
        self.stored = 0

    @property
    def waiting(self) -> int:
        """Scans handed to the writer and not stored yet."""
        return len(self._pending) + self._writing

    @classmethod
    def for_settings(cls, engine: Engine, settings: Settings, now: Now = utc_now) -> GroupWriter:
        """The writer of a pool of `settings.workers`: a group is written at once when half of them wait."""
        cadence = timedelta(days=settings.cadence_days)
        return cls(engine, cadence, now=now, most=max(1, settings.workers // 2))

    async def finish(self, claim: Claim, scan: ScanResult) -> Stored:
        """Store `scan` and release `claim`; raises ClaimLost when the lease was taken over meanwhile."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        self._pending.append((claim, scan, future))
        # While a group is being written, this one waits to go with the next group.
        if self._writer is None and len(self._pending) >= self.most:
            self.flush()
        elif self._writer is None and self._timer is None:
            self._timer = loop.call_later(self.window, self.flush)
        return await future

    def flush(self) -> None:
        """Start writing every pending scan now (also what the timer calls)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writer is None and self._pending:
            self._writer = asyncio.get_running_loop().create_task(self._write_pending())

    async def _write_pending(self) -> None:
        """Write groups until nothing is pending: what finished during one commit is the next group."""
        try:
            while self._pending:
                group, self._pending = self._pending, []
                self._writing = len(group)
                pairs = [(claim, scan) for claim, scan, _ in group]
                # shielded: a scan cancelled while its group is written (shutdown) does not cut the commit;
                # the group waits out the database's absence and is written when it is back
                try:
                    results = await asyncio.shield(
                        outlast(self.engine, self._store, pairs, stopping=self.stopping)
                    )
                    self.groups += 1
                except DatabaseAway as away:  # told to stop meanwhile: these scans are not stored
                    results = [away] * len(group)
                self._hand_back(group, results)
        finally:
            self._writer, self._writing = None, 0

    def _hand_back(
        self,
        group: list[tuple[Claim, ScanResult, asyncio.Future[Stored]]],
        results: list[Stored | BaseException],
    ) -> None:
        for (_, _, future), result in zip(group, results, strict=True):
            if future.done():  # its scan was cancelled while waiting (shutdown)
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
                self.stored += 1

    def _store(self, group: list[tuple[Claim, ScanResult]]) -> list[Stored | BaseException]:
        now = self.now()
        try:
            return list(finish_leased(self.engine, group, now, self.cadence))
        except Exception as exc:  # handed to the waiter, who raises it (as a lone finish would)
            if unavailable(exc, self.engine):
                raise  # nothing is wrong with the scans: the whole group again, once the database is back
            if len(group) == 1:
                return [exc]
            log.warning("a group of %d scans failed to store (%s); storing them one by one", len(group), exc)
        results: list[Stored | BaseException] = []
        for item in group:
            try:
                results.extend(finish_leased(self.engine, [item], now, self.cadence))
            except Exception as exc:  # this scan's own error, for its waiter to raise
                if unavailable(exc, self.engine):
                    raise  # the group again once the database is back (those stored: ClaimLost then)
                results.append(exc)
        return results
