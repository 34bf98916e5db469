"""A daemon outlasts its database: work that finds it away (`store.outage.unavailable`) waits and is done
again, 0.5 s doubling to 10 s between attempts. Scans keep their results in memory meanwhile (their leases
last 30 minutes and are extended by the heartbeat once it answers again); the log says once that the
database is away and once that it is back, not a traceback a scan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

from distscout.store.outage import unavailable, why

log = logging.getLogger("distscout.database")
T = TypeVar("T")

FIRST_WAIT, LONGEST_WAIT = 0.5, 10.0


class Outage:
    """Whether this process finds the database away, and since when: one log line as it goes, one as it
    comes back, however many scans and claims are waiting for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self.count = 0  # outages seen by this process

    @property
    def away(self) -> bool:
        return self._since is not None

    def went(self, error: BaseException) -> None:
        with self._lock:
            if self._since is not None:
                return
            self._since, self.count = time.monotonic(), self.count + 1
        log.warning("database unavailable (%s): waiting for it; scans keep their results", why(error))

    def forget(self) -> None:
        """As if no outage were under way (tests: each starts afresh)."""
        with self._lock:
            self._since = None

    def came_back(self) -> None:
        with self._lock:
            if self._since is None:
                return
            away, self._since = time.monotonic() - self._since, None
        log.warning("database back after %.1f s", away)


OUTAGE = Outage()


class DatabaseAway(Exception):
    """The database stayed away longer than the caller could wait (it is stopping, or ran out of patience):
    the work was not done."""


async def outlast(
    engine: Engine,
    call: Callable[..., T],
    *args: Any,
    stopping: asyncio.Event | None = None,
    patience: float | None = None,
) -> T:
    """`call(*args)` in a thread; while the database is away, wait and call it again, until `stopping` is
    set or `patience` seconds have gone (then DatabaseAway). Any other error is raised at once."""
    loop = asyncio.get_running_loop()
    give_up = None if patience is None else loop.time() + patience
    wait = FIRST_WAIT
    while True:
        try:
            result = await asyncio.to_thread(call, *args)
        except Exception as error:
            if not unavailable(error, engine):
                raise
            OUTAGE.went(error)
            if (stopping is not None and stopping.is_set()) or (
                give_up is not None and loop.time() >= give_up
            ):
                raise DatabaseAway(why(error)) from error
            await pause(wait if give_up is None else min(wait, max(0.0, give_up - loop.time())), stopping)
            wait = min(wait * 2, LONGEST_WAIT)
            continue
        OUTAGE.came_back()
        return result


async def pause(seconds: float, stopping: asyncio.Event | None) -> None:
    """Sleep, cut short when `stopping` is set (the dispatcher's waits, and a wait for the database)."""
    if seconds <= 0 or stopping is None:
        await asyncio.sleep(max(0.0, seconds))
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
