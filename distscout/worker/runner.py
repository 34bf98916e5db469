"""Scan one claimed repository and store the result; the claim is released whatever happens."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.results import ScanResult, Stored, Verdict
from distscout.scanner import scan_repo
from distscout.store.claims import Claim, ClaimLost, finish, release
from distscout.upstreams import Upstreams
from distscout.worker.outage import DatabaseAway, outlast
from distscout.worker.writer import GroupWriter, Now

__all__ = ["Now", "ScanReport", "give_back", "run_claim"]

log = logging.getLogger("distscout.runner")


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
    except DatabaseAway:
        raise  # a give-back would wait for the database too: the claim comes back with this worker
    except BaseException:
        await give_back(engine, claim)
        raise
    return _report(claim, scan, stored)


GIVE_BACK_PATIENCE = 20.0  # seconds a give-back waits for an absent database (a stop waits for it)


async def give_back(engine: Engine, *claims: Claim) -> None:
    """Give claims back unscanned, in a thread; shielded, so a second cancellation cannot cut it short. It
    waits for an absent database a while only: the claims are taken back with this worker once its beat
    stops (or their leases run out), so a stopping worker need not wait for the database."""
    await asyncio.shield(_give_back(engine, claims))


async def _give_back(engine: Engine, claims: tuple[Claim, ...]) -> None:
    try:
        await outlast(engine, release, engine, *claims, patience=GIVE_BACK_PATIENCE)
    except DatabaseAway as away:
        log.warning(
            "%d claims not given back (the database is away: %s); they come back later", len(claims), away
        )


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
