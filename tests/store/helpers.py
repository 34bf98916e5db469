"""Scanning a world into a real database, with a controllable clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from distscout.config import Settings
from distscout.emulator.server import EmulatorServer
from distscout.repos import RepoRef, parse_repo_ref
from distscout.store.claims import claim_next
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos
from distscout.store.schema import metadata
from distscout.worker.runner import ScanReport, run_claim
from tests.sources.helpers import settings_for, upstreams_for


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    @classmethod
    def real(cls) -> Clock:
        """Starting at the wall-clock time (for work shared with processes that use the real clock)."""
        return cls(datetime.now(UTC))


def tracked(url: str, refs: Iterable[RepoRef | str], clock: Clock) -> Engine:
    engine = open_engine(url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref(r) if isinstance(r, str) else r for r in refs], clock())
    return engine


async def scan_due(
    engine: Engine, server: EmulatorServer, clock: Clock, **overrides: Any
) -> list[ScanReport]:
    """Claim and scan until nothing is due now (one pass: each repo at most once)."""
    settings: Settings = settings_for(server, **overrides)
    cadence = timedelta(days=settings.cadence_days)
    reports, seen = [], set()
    async with upstreams_for(server) as upstreams:
        while (
            claim := claim_next(engine, clock(), cadence, partial_first=settings.immediate_partial_reclaim)
        ) is not None:
            if claim.repo.id in seen:
                from distscout.store.claims import release

                release(engine, claim)
                break
            seen.add(claim.repo.id)
            reports.append(await run_claim(engine, upstreams, settings, claim, clock))
    return reports


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in metadata.tables.items()
        }
