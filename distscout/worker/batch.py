"""One-off scans (the `scan` command): given repositories, or whatever is due now."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.sources.github_ahead import scan_ahead
from distscout.store.claims import Claim, claim_repos
from distscout.store.repos import TrackedRepo
from distscout.upstreams import Upstreams
from distscout.worker.outage import outlast
from distscout.worker.runner import Now, ScanReport, give_back, run_claim
from distscout.worker.writer import GroupWriter

LOOKAHEAD = 50  # repositories claimed together, and whose metadata is asked together, before their scans


@dataclass
class BatchScan:
    engine: Engine
    upstreams: Upstreams
    settings: Settings
    on_report: Callable[[ScanReport], None] | None = None
    now: Now = utc_now
    keep_reports: bool = True  # the CLI prints them all; a long batch that only counts can drop them
    reports: list[ScanReport] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # held by another worker (the daemon): not scanned now
    _waiting: dict[int, Claim] = field(default_factory=dict)  # claimed, not started yet (in target order)
    _claiming: asyncio.Future[dict[int, Claim]] | None = None  # a chunk's claims being taken
    released: int = 0  # claims given back unscanned when the batch was interrupted (the CLI says how many)

    async def run(self, targets: Iterable[TrackedRepo]) -> list[ScanReport]:
        """Scan `targets` now, `workers` at a time (a fixed pool: memory does not grow with the fleet)."""
        writer = GroupWriter.for_settings(self.engine, self.settings, self.now)
        remaining = iter(targets)
        turn = asyncio.Lock()  # one worker at a time takes the next claim (and claims the next chunk)

        async def worker() -> None:
            while True:
                async with turn:
                    claim = await self._next(remaining)
                if claim is None:
                    return
                await self._one(claim, writer)

        try:
            await asyncio.gather(*(worker() for _ in range(self.settings.workers)))
        finally:  # interrupted: what was claimed and not started is free again
            if (claiming := self._claiming) is not None:  # a chunk's claims on their way: wait, give back
                await asyncio.wait([claiming])
                if not claiming.cancelled() and claiming.exception() is None:
                    self._waiting.update(claiming.result())
                self._claiming = None
            waiting, self._waiting = list(self._waiting.values()), {}
            if waiting:
                await give_back(self.engine, *waiting)
            self.released += len(waiting)
        return self.reports

    async def _next(self, remaining: Iterator[TrackedRepo]) -> Claim | None:
        """The next target's claim, in order; None when every target has been handed out."""
        while not self._waiting:
            chunk = await asyncio.to_thread(lambda: list(islice(remaining, LOOKAHEAD)))  # may read the store
            if not chunk:
                return None
            # LOOKAHEAD at a time: their leases taken in one transaction, in a thread, then the GraphQL
            # part of their scans asked together (a pool of scans finishing at different times would
            # otherwise ask a few at a time). A target another worker holds goes to `busy`.
            leasing = outlast(self.engine, self._lease, [repo.id for repo in chunk])
            self._claiming = asyncio.ensure_future(leasing)
            claimed = await asyncio.shield(self._claiming)  # cancelled meanwhile: `run` releases them
            self._claiming = None
            scan_ahead(self.upstreams, self.settings, (repo.ref for repo in chunk if repo.id in claimed))
            self._waiting.update((repo.id, claimed[repo.id]) for repo in chunk if repo.id in claimed)
            self.busy += [repo.ref.full_name for repo in chunk if repo.id not in claimed]
        first = next(iter(self._waiting))
        return self._waiting.pop(first)

    def _lease(self, ids: list[int]) -> dict[int, Claim]:
        return claim_repos(self.engine, ids, self.now())  # the time of each attempt: the database may be away

    async def _one(self, claim: Claim, writer: GroupWriter) -> None:
        try:
            report = await run_claim(
                self.engine, self.upstreams, self.settings, claim, self.now, writer=writer
            )
        except BaseException:
            self.released += 1  # cancelled mid-scan: run_claim gave the claim back, nothing was stored
            raise
        if self.keep_reports:
            self.reports.append(report)
        if self.on_report is not None:
            self.on_report(report)
