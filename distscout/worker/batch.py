"""One-off scans (the `scan` command): given repositories, or whatever is due now."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.store.claims import claim_repo
from distscout.store.repos import TrackedRepo
from distscout.upstreams import Upstreams
from distscout.worker.runner import Now, ScanReport, run_claim


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

    async def run(self, targets: Iterable[TrackedRepo]) -> list[ScanReport]:
        """Scan `targets` now, `workers` at a time (a fixed pool: memory does not grow with the fleet)."""
        queue = iter(targets)

        async def worker() -> None:
            for repo in queue:  # shared iterator: each target goes to exactly one worker
                await self._one(repo)

        await asyncio.gather(*(worker() for _ in range(self.settings.workers)))
        return self.reports

    async def _one(self, repo: TrackedRepo) -> None:
        claim = claim_repo(self.engine, repo.id, self.now())
        if claim is None:
            self.busy.append(repo.ref.full_name)
            return
        report = await run_claim(self.engine, self.upstreams, self.settings, claim, self.now)
        if self.keep_reports:
            self.reports.append(report)
        if self.on_report is not None:
            self.on_report(report)
