"""Claims: which repository a worker scans next, and the guarantee that no two workers scan one at once.

Due = outside its failure backoff, and a partial last scan, or (not archived and: never run, or older than
the cadence). An archived repository is not rescanned; a partial scan of it is still completed.
Order: partial first, then never-run, then oldest; then id. Three small queries, each an index range
scan (`ix_repos_claim_partial`, `ix_repos_claim_due`).

- PostgreSQL: `FOR UPDATE SKIP LOCKED` in a transaction held open for the whole scan; the rotation runs
  in that transaction. A worker that dies rolls back, which releases its claim at once.
- SQLite (no row locks): a lease (`distribution_claimed_by/_until`) set by a guarded UPDATE; the rotation
  checks the lease is still held. A dead worker's lease runs out, or is taken back as soon as its
  heartbeat stops (store/workers.py: every claim token begins with its worker's id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    RootTransaction,
    Row,
    Select,
    bindparam,
    delete,
    false,
    insert,
    or_,
    select,
    update,
)

from distscout.results import ScanResult, Stored
from distscout.store.repos import TrackedRepo
from distscout.store.rotation import record_scan, record_scans
from distscout.store.schema import active_scans, repos
from distscout.store.workers import claim_token

DEFAULT_LEASE = timedelta(minutes=30)


class ClaimLost(Exception):
    """The lease ran out and another worker took the repository: this scan's result is not stored."""


@dataclass
class Claim:
    repo: TrackedRepo
    token: str
    partial: bool
    connection: Connection | None = field(default=None, repr=False)  # PostgreSQL: holds the row lock
    transaction: RootTransaction | None = field(default=None, repr=False)


def due_queries(
    now: datetime, cadence: timedelta, *, partial_first: bool, leases: bool
) -> list[Select[tuple[object, ...]]]:
    common = [or_(repos.c.distribution_retry_at.is_(None), repos.c.distribution_retry_at <= now)]
    if leases:
        common.append(
            or_(repos.c.distribution_claimed_until.is_(None), repos.c.distribution_claimed_until <= now)
        )
    last_run, ident, active = repos.c.distribution_last_run, repos.c.id, repos.c.archived == false()
    # An archived repo is never rescanned on the cadence, but a partial scan of it is still completed.
    partial = select(repos).where(
        *common, repos.c.distribution_scan_complete == false(), last_run.is_not(None)
    )
    never = select(repos).where(*common, active, last_run.is_(None))
    stale = select(repos).where(*common, active, last_run < now - cadence)
    queries = [never.order_by(ident), stale.order_by(last_run, ident)]
    return [partial.order_by(last_run, ident), *queries] if partial_first else queries


def _mark_active(engine: Engine, claim: Claim, now: datetime, lease: timedelta) -> Claim:
    """Record that a scan is running (for `integrity check`'s in_progress), in its own short transaction."""
    with engine.begin() as connection:
        _set_active(connection, [claim], now, lease)
    return claim


def _set_active(connection: Connection, claims: list[Claim], now: datetime, lease: timedelta) -> None:
    if not claims:
        return
    ids = [claim.repo.id for claim in claims]
    connection.execute(delete(active_scans).where(active_scans.c.repo_id.in_(ids)))
    connection.execute(
        insert(active_scans),
        [{"repo_id": c.repo.id, "worker": c.token, "started_at": now, "until": now + lease} for c in claims],
    )


def _clear_active(connection: Connection, claim: Claim) -> None:
    connection.execute(
        delete(active_scans).where(
            active_scans.c.repo_id == claim.repo.id, active_scans.c.worker == claim.token
        )
    )


def claim_next(
    engine: Engine,
    now: datetime,
    cadence: timedelta,
    *,
    partial_first: bool = True,
    lease: timedelta = DEFAULT_LEASE,
) -> Claim | None:
    """Claim the next due repository, or None when nothing is due."""
    postgres = engine.dialect.name == "postgresql"
    queries = due_queries(now, cadence, partial_first=partial_first, leases=not postgres)
    claim = _claim_locked(engine, queries) if postgres else _claim_leased(engine, queries, now, lease)
    return None if claim is None else _mark_active(engine, claim, now, lease)


def claim_repo(
    engine: Engine, repo_id: int, now: datetime, *, lease: timedelta = DEFAULT_LEASE
) -> Claim | None:
    """Claim one given repository whatever its schedule (a forced scan); None while another worker has it."""
    return claim_repos(engine, [repo_id], now, lease=lease).get(repo_id)


def claim_repos(
    engine: Engine, repo_ids: Sequence[int], now: datetime, *, lease: timedelta = DEFAULT_LEASE
) -> dict[int, Claim]:
    """Claim given repositories whatever their schedule (forced scans): those another worker has are left out.

    SQLite: one transaction for them all (a lease each, one token). PostgreSQL: a row lock each, held by
    a transaction of its own (the rotation commits it).
    """
    if engine.dialect.name == "postgresql":
        locked = (_claim_locked(engine, [select(repos).where(repos.c.id == repo_id)]) for repo_id in repo_ids)
        return {c.repo.id: _mark_active(engine, c, now, lease) for c in locked if c is not None}
    token = claim_token()
    free = or_(repos.c.distribution_claimed_until.is_(None), repos.c.distribution_claimed_until <= now)
    with engine.begin() as connection:
        connection.execute(
            update(repos)
            .where(repos.c.id.in_(repo_ids), free)
            .values(distribution_claimed_by=token, distribution_claimed_until=now + lease)
        )
        taken = connection.execute(
            select(repos).where(repos.c.id.in_(repo_ids), repos.c.distribution_claimed_by == token)
        ).all()
        claims = {row.id: _leased_claim(row, token) for row in taken}
        _set_active(connection, list(claims.values()), now, lease)
    return claims


def _leased_claim(row: Row[Any], token: str) -> Claim:
    repo = TrackedRepo.from_row(row)
    return Claim(repo, token, repo.scan_complete is False)


def _claim_locked(engine: Engine, queries: list[Select[tuple[object, ...]]]) -> Claim | None:
    connection = engine.connect()
    transaction = connection.begin()
    try:
        for query in queries:
            # NO KEY UPDATE: exclusive between workers, yet rows referencing it (active_scans) may be added
            row = connection.execute(
                query.limit(1).with_for_update(skip_locked=True, key_share=True, of=repos)
            ).first()
            if row is not None:
                repo = TrackedRepo.from_row(row)
                return Claim(repo, claim_token(), repo.scan_complete is False, connection, transaction)
    except BaseException:
        transaction.rollback()
        connection.close()
        raise
    transaction.rollback()
    connection.close()
    return None


def _claim_leased(
    engine: Engine, queries: list[Select[tuple[object, ...]]], now: datetime, lease: timedelta
) -> Claim | None:
    token = claim_token()
    with engine.begin() as connection:
        for query in queries:
            for row in connection.execute(query.limit(8)).all():
                taken = connection.execute(
                    update(repos)
                    .where(repos.c.id == row.id)
                    .where(
                        or_(
                            repos.c.distribution_claimed_until.is_(None),
                            repos.c.distribution_claimed_until <= now,
                        )
                    )
                    .values(distribution_claimed_by=token, distribution_claimed_until=now + lease)
                ).rowcount
                if taken == 1:
                    return _leased_claim(row, token)
    return None


def finish(engine: Engine, claim: Claim, scan: ScanResult, now: datetime, cadence: timedelta) -> Stored:
    """Store the scan (rotation or failure) and release the claim, in one transaction."""
    if claim.connection is not None and claim.transaction is not None:
        try:
            stored = record_scan(claim.connection, claim.repo.id, scan, now, cadence)
            _clear_active(claim.connection, claim)
            claim.transaction.commit()
            return stored
        finally:
            if claim.transaction.is_active:
                claim.transaction.rollback()
            claim.connection.close()
    result = finish_leased(engine, [(claim, scan)], now, cadence)[0]
    if isinstance(result, ClaimLost):
        raise result
    return result


def finish_leased(
    engine: Engine, done: Sequence[tuple[Claim, ScanResult]], now: datetime, cadence: timedelta
) -> list[Stored | ClaimLost]:
    """Store several leased claims' scans in one transaction (a group commit), each only if its lease is
    still held; the others come back as ClaimLost, with nothing of theirs stored."""
    with engine.begin() as connection:
        holders = dict(
            connection.execute(
                select(repos.c.id, repos.c.distribution_claimed_by).where(
                    repos.c.id.in_([claim.repo.id for claim, _ in done])
                )
            ).all()
        )
        held = [(claim, scan) for claim, scan in done if holders.get(claim.repo.id) == claim.token]
        if held:
            connection.execute(
                delete(active_scans).where(
                    active_scans.c.repo_id == bindparam("r"), active_scans.c.worker == bindparam("w")
                ),
                [{"r": claim.repo.id, "w": claim.token} for claim, _ in held],
            )
        stored = dict(
            zip(
                [claim.repo.id for claim, _ in held],
                record_scans(connection, [(claim.repo.id, scan) for claim, scan in held], now, cadence),
                strict=True,
            )
        )
    return [
        stored.get(claim.repo.id)
        or ClaimLost(f"{claim.repo.ref.full_name}: the lease ran out and another worker took it")
        for claim, _ in done
    ]


def release(engine: Engine, claim: Claim) -> None:
    """Give a claim back without storing anything (shutdown, or a scan that was abandoned)."""
    if claim.connection is not None and claim.transaction is not None:
        if claim.transaction.is_active:
            claim.transaction.rollback()
        claim.connection.close()
        with engine.begin() as connection:
            _clear_active(connection, claim)
        return
    with engine.begin() as connection:
        _clear_active(connection, claim)
        connection.execute(
            update(repos)
            .where(repos.c.id == claim.repo.id, repos.c.distribution_claimed_by == claim.token)
            .values(distribution_claimed_by=None, distribution_claimed_until=None)
        )


def due_repos(
    engine: Engine, now: datetime, cadence: timedelta, *, partial_first: bool = True, limit: int | None = None
) -> list[TrackedRepo]:
    """The repositories due now, in claim order (no claim is taken: a one-off scan's work list)."""
    found: dict[int, TrackedRepo] = {}
    with engine.connect() as connection:
        for query in due_queries(now, cadence, partial_first=partial_first, leases=True):
            for row in connection.execute(query if limit is None else query.limit(limit)):
                found.setdefault(row.id, TrackedRepo.from_row(row))
    ordered = list(found.values())
    return ordered if limit is None else ordered[:limit]
