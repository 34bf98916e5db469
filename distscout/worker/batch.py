"""One-off scans (the `scan` command): given repositories, or whatever is due now."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.sources.github_repo import prefetch_metadata
from distscout.store.claims import claim_repo
from distscout.store.repos import TrackedRepo
from distscout.upstreams import Upstreams
from distscout.worker.runner import Now, ScanReport, run_claim

LOOKAHEAD = 50  # repositories whose metadata is asked together, before their scans start


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
        queue = self._looking_ahead(targets)

        async def worker() -> None:
            for repo in queue:  # shared iterator: each target goes to exactly one worker
                await self._one(repo)

        await asyncio.gather(*(worker() for _ in range(self.settings.workers)))
        return self.reports

    def _looking_ahead(self, targets: Iterable[TrackedRepo]) -> Iterator[TrackedRepo]:
        """The targets in order; with GraphQL, the metadata of the next LOOKAHEAD is asked in one query.

        A pool of scans finishing at different times would otherwise ask for metadata a few at a time.
        """
        batcher = self.upstreams.graphql
        ahead: deque[TrackedRepo] = deque()
        for repo in targets:
            ahead.append(repo)
            if len(ahead) >= LOOKAHEAD:
                if batcher is not None:
                    prefetch_metadata(batcher, (r.ref for r in ahead))
                while ahead:
                    yield ahead.popleft()
        if batcher is not None:
            prefetch_metadata(batcher, (r.ref for r in ahead))
        yield from ahead

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
