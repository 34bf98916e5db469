"""Scan one claimed repository and store the result; the claim is released whatever happens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.results import ScanResult, Stored, Verdict
from distscout.scanner import scan_repo
from distscout.store.claims import Claim, ClaimLost, finish, release
from distscout.upstreams import Upstreams
from distscout.worker.outage import outlast
from distscout.worker.writer import GroupWriter, Now

__all__ = ["Now", "ScanReport", "give_back", "run_claim"]


@dataclass(frozen=True)
class ScanReport:
    repo: str
    verdict: Verdict | None  # None: the claim was lost and nothing was stored
    outcomes: dict[str, str]
    registry_rows: int
    manifest_rows: int
    detail: str = ""


async def run_claim(
    engine: Engine,
    upstreams: Upstreams,
    settings: Settings,
    claim: Claim,
    now: Now = utc_now,
    *,
    writer: GroupWriter | None = None,
) -> ScanReport:
    """Scan the claimed repository and store the result: with `writer`, in a group commit."""
    try:
        scan = await scan_repo(upstreams, claim.repo.ref, settings)
    except BaseException:
        await give_back(engine, claim)  # cancelled (shutdown) or a bug: nothing half-written survives
        raise
    try:
        if writer is not None:
            stored = await writer.finish(claim, scan)
        else:
            cadence = timedelta(days=settings.cadence_days)
            stored = await asyncio.to_thread(finish, engine, claim, scan, now(), cadence)
    except ClaimLost as lost:
        return _report(claim, scan, None, str(lost))
    except BaseException:
        await give_back(engine, claim)
        raise
    return _report(claim, scan, stored)


async def give_back(engine: Engine, *claims: Claim) -> None:
    """Give claims back unscanned, in a thread, outlasting the database's absence; shielded, so a second
    cancellation cannot cut it short (claims still held when the process ends are taken back with it)."""
    await asyncio.shield(outlast(engine, release, engine, *claims))


def _report(claim: Claim, scan: ScanResult, stored: Stored | None, detail: str = "") -> ScanReport:
    """What the scan stored: its verdict and the rows the store now holds (none when the claim was lost)."""
    return ScanReport(
        repo=claim.repo.ref.display,
        verdict=stored.verdict if stored is not None else None,
        outcomes=scan.outcomes(),
        registry_rows=stored.registry_rows if stored is not None else 0,
        manifest_rows=stored.manifest_rows if stored is not None else 0,
        detail=detail,
    )
