"""One-off scans (the `scan` command): given repositories, or whatever is due now."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.sources.github_repo import prefetch_metadata
from distscout.store.claims import Claim, claim_repo, claim_repos, release
from distscout.store.repos import TrackedRepo
from distscout.upstreams import Upstreams
from distscout.worker.runner import Now, ScanReport, run_claim
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
    _waiting: dict[int, Claim] = field(default_factory=dict)  # claimed, not started yet
    released: int = 0  # claims given back unscanned when the batch was interrupted (the CLI says how many)

    async def run(self, targets: Iterable[TrackedRepo]) -> list[ScanReport]:
        """Scan `targets` now, `workers` at a time (a fixed pool: memory does not grow with the fleet)."""
        writer = GroupWriter.for_settings(self.engine, self.settings, self.now)
        queue = self._claimed(targets)

        async def worker() -> None:
            for claim in queue:  # shared iterator: each target goes to exactly one worker
                await self._one(claim, writer)

        try:
            await asyncio.gather(*(worker() for _ in range(self.settings.workers)))
        finally:
            for claim in self._waiting.values():  # interrupted: what was claimed and not started is free
                release(self.engine, claim)
                self.released += 1
            self._waiting.clear()
        return self.reports

    def _claimed(self, targets: Iterable[TrackedRepo]) -> Iterator[Claim]:
        """The targets' claims in order. LOOKAHEAD at a time, their metadata is asked in one GraphQL query
        (a pool of scans finishing at different times would otherwise ask a few at a time) and, on SQLite,
        their leases taken in one transaction. A PostgreSQL claim holds a connection for its whole scan, so
        those are taken one at a time, as workers start. A target another worker holds goes to `busy`."""
        leased = self.engine.dialect.name != "postgresql"
        batcher = self.upstreams.graphql
        remaining = iter(targets)
        while chunk := list(islice(remaining, LOOKAHEAD)):
            if batcher is not None:
                prefetch_metadata(batcher, (repo.ref for repo in chunk))
            if leased:
                self._waiting.update(claim_repos(self.engine, [repo.id for repo in chunk], self.now()))
            for repo in chunk:
                if leased:
                    claim = self._waiting.pop(repo.id, None)
                else:
                    claim = claim_repo(self.engine, repo.id, self.now())
                if claim is None:
                    self.busy.append(repo.ref.full_name)
                else:
                    yield claim

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
