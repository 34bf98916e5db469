"""The daemon's loop: claim due repositories and scan them, paced, bounded, and polite to upstreams.

- at most `workers` scans at once, started at the pace the upstreams' remaining budgets allow until their
  reset (`pacing`), or one per `start_interval` seconds while no budget is known (or `pace_by_budget` is off);
- with GitHub's GraphQL batching on, scans start in bursts of `start_burst` (then a gap as long as the
  burst's scans would have taken one by one, at the pace known while waiting: a fresh daemon learns its
  budgets from the burst's own answers): scans that start together share their queries, which a trickle
  of single starts — what a tight budget asks for — would not;
- while an upstream's circuit breaker is open, no new scan starts (checked again every `health_recheck`
  seconds) instead of burning the fleet into partial scans;
- when a cycle settles (nothing due, nothing running) and at start-up, `on_settled` runs once: the daemon's
  integrity check and repair;
- `stop()` (SIGINT/SIGTERM) stops dispatching and waits for running scans: each finishes and commits or
  rolls back; a second stop cancels them (their claims are released, nothing half-written survives).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.sources.github_ahead import scan_ahead
from distscout.store.claims import Claim, claim_due
from distscout.store.outage import unavailable, why
from distscout.store.workers import claims_held_elsewhere
from distscout.upstreams import Upstreams
from distscout.worker.batch import LOOKAHEAD
from distscout.worker.health import open_breakers
from distscout.worker.outage import DatabaseAway, outlast, pause
from distscout.worker.pacing import CostMeter, next_interval
from distscout.worker.runner import Now, ScanReport, give_back, run_claim
from distscout.worker.writer import GroupWriter

log = logging.getLogger("distscout.dispatcher")

PACE_RECHECK = 5.0  # seconds: how often a long wait after a burst looks at the pace again


@dataclass
class DispatcherStats:
    started: int = 0
    finished: int = 0
    errors: int = 0
    unstored: int = 0  # scans made, then told to stop while the database was away: not stored
    paused_for: list[str] = field(default_factory=list)  # upstreams whose breaker paused us last
    verdicts: dict[str, int] = field(default_factory=dict)


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        upstreams: Upstreams,
        settings: Settings,
        *,
        now: Now = utc_now,
        on_report: Callable[[ScanReport], None] | None = None,
        idle_poll: float = 5.0,
        health_recheck: float = 60.0,
        exit_when_idle: bool = False,
        on_settled: Callable[[], None] | None = None,
    ) -> None:
        self.engine, self.upstreams, self.settings = engine, upstreams, settings
        self.now, self.on_report = now, on_report
        self.idle_poll, self.health_recheck, self.exit_when_idle = idle_poll, health_recheck, exit_when_idle
        self.on_settled = on_settled  # run at start-up and whenever a cycle settles (integrity check)
        self._unsettled = True
        self.stats = DispatcherStats()
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._claimed: collections.deque[Claim] = collections.deque()  # claimed, not started yet
        batching = upstreams.graphql is not None or upstreams.ecosystems_bulk is not None
        self.burst = max(1, min(settings.workers, settings.start_burst)) if batching else 1
        self._meters: dict[str, CostMeter] = {}  # recent cost per scan, per budgeted upstream
        self._burst = 0  # scans started in the current burst
        self._burst_started = 0.0  # when its first scan started (the loop's clock)
        self.writer = GroupWriter.for_settings(engine, settings, now)
        self.writer.stopping = self._stopping  # told to stop, it no longer waits for an absent database

    def stop(self) -> None:
        """First call: drain. Second call: cancel running scans."""
        if self._stopping.is_set():
            for task in self._running:
                task.cancel()
        self._stopping.set()

    @property
    def running(self) -> int:
        return len(self._running)

    async def run(self) -> DispatcherStats:
        cadence = timedelta(days=self.settings.cadence_days)
        await self._settle()  # at start-up
        while not self._stopping.is_set():
            paused = open_breakers(self.upstreams, self.settings)
            self.stats.paused_for = paused
            if paused:
                log.warning("dispatch paused: circuit open for %s", ", ".join(paused))
                await pause(self.health_recheck, self._stopping)
                continue
            if len(self._running) >= self.settings.workers:
                await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                # Asked before the claim: claims given back between the two (a dead worker's, reaped) are
                # then seen by the claim, so an idle exit never leaves them behind.
                quiet_elsewhere = (
                    self.exit_when_idle
                    and not self._running
                    and not self._claimed
                    and not await outlast(self.engine, self._held_elsewhere, stopping=self._stopping)
                )
                claim = await self._next_claim(cadence)
            except DatabaseAway:  # told to stop while waiting for the database: nothing more to claim
                break
            if claim is None:
                if not self._running:
                    await self._settle()
                if quiet_elsewhere:
                    break
                await pause(self.idle_poll if not self._running else min(self.idle_poll, 0.5), self._stopping)
                continue
            task = asyncio.create_task(self._scan(claim))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            self.stats.started += 1
            if self._burst == 0:
                self._burst_started = asyncio.get_running_loop().time()
            self._burst += 1
            if self._burst >= self.burst:
                await self._after_burst()
        if self._claimed:  # claimed, never started: back to the queue at once
            leftover, self._claimed = list(self._claimed), collections.deque()
            await give_back(self.engine, *leftover)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self.stats.unstored:
            log.warning(
                "%d scans not stored: told to stop while the database was away (their claims come back "
                "once this worker's heartbeat is missed)",
                self.stats.unstored,
            )
        return self.stats

    async def _next_claim(self, cadence: timedelta) -> Claim | None:
        """The next claim to start: claimed with the rest of its burst in one transaction, in a thread."""
        if not self._claimed:
            free = self.settings.workers - len(self._running)
            batch = max(1, min(free, self.burst - self._burst))
            if self.upstreams.graphql is not None:  # claimed ahead: their GraphQL questions fill queries
                batch = max(batch, LOOKAHEAD)
            partial_first = self.settings.immediate_partial_reclaim
            claims = await outlast(  # the time read at each attempt: the database may be away a while
                self.engine,
                lambda: claim_due(self.engine, self.now(), cadence, limit=batch, partial_first=partial_first),
                stopping=self._stopping,
            )
            # Their GraphQL questions asked together whatever the pace their scans start at: batches fill
            # by design, not by how many scans happen to overlap.
            scan_ahead(self.upstreams, self.settings, (claim.repo.ref for claim in claims))
            self._claimed.extend(claims)
        return self._claimed.popleft() if self._claimed else None

    def _held_elsewhere(self) -> int:
        """Claims other processes hold: a dead worker's come back to the queue once its heartbeat is
        missed, so an idle-exit waits for them instead of leaving their repositories unscanned."""
        with self.engine.connect() as connection:
            return claims_held_elsewhere(connection, self.now())

    async def _scan(self, claim: Claim) -> None:
        try:
            report = await run_claim(
                self.engine, self.upstreams, self.settings, claim, self.now, writer=self.writer
            )
        except asyncio.CancelledError:
            raise
        except DatabaseAway:
            self.stats.unstored += 1
            return
        except Exception:  # a bug in one scan must not stop the daemon: log it, the claim was released
            log.exception("scan failed")
            self.stats.errors += 1
            return
        self.stats.finished += 1
        self._unsettled = True
        verdict = report.verdict.value if report.verdict else "lost"
        self.stats.verdicts[verdict] = self.stats.verdicts.get(verdict, 0) + 1
        if self.on_report is not None:
            self.on_report(report)

    def _pace(self) -> float:
        """Seconds until the next scan may start: by the upstreams' budgets when known, else the setting."""
        if not self.settings.pace_by_budget:
            return self.settings.start_interval
        budgeted = list(self.upstreams.budgeted())
        for client in budgeted:
            self._meters.setdefault(client.config.name, CostMeter())
        return next_interval(
            budgeted, self.stats.finished, time.time(), self.settings.start_interval, self._meters
        )

    async def _settle(self) -> None:
        """The cycle has settled (nothing due, nothing running): run the hook once per settled cycle, in a
        thread (an integrity check reads the whole store)."""
        if self.on_settled is None or not self._unsettled:
            return
        self._unsettled = False
        try:
            await asyncio.to_thread(self.on_settled)
        except Exception as error:  # the hook must not stop the daemon
            if not unavailable(error, self.engine):
                log.exception("settled-cycle hook failed")
                return
            log.warning("settled-cycle check put off: the database is unavailable (%s)", why(error))
            self._unsettled = True  # checked at the next settled cycle instead

    async def _after_burst(self) -> None:
        """Wait out the paced gaps of the burst's scans, re-reading the pace as budgets get known."""
        count, self._burst = self._burst, 0
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            wait = self._burst_started + count * self._pace() - loop.time()
            if wait <= 0:
                return
            await pause(min(wait, PACE_RECHECK), self._stopping)
