"""Claims: which repositories a worker scans next, and the guarantee that no two workers scan one at once.

Due = outside its failure backoff, and a partial last scan, or (not archived and: never run, or older than
the cadence). An archived repository is not rescanned; a partial scan of it is still completed.
Order: partial first, then never-run, then oldest; then id. Three small queries, each an index range
scan (`ix_repos_claim_partial`, `ix_repos_claim_due`).

One protocol on both backends: a claim is a lease (`distribution_claimed_by/_until`) set by a guarded
UPDATE in a short transaction that commits at once, so no transaction (nor pooled connection) is held
across the network scan, and the scans' results are stored by the group writer whichever the backend.
On PostgreSQL the batch of due rows is picked `FOR UPDATE SKIP LOCKED`, so concurrent workers on many
machines pick different rows instead of queueing on the same ones. The store checks the lease is still
held. A dead worker's lease runs out, or is taken back as soon as its heartbeat stops (store/workers.py:
every claim token begins with its worker's id).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    bindparam,
    delete,
    false,
    or_,
    select,
    tuple_,
    update,
)

from distscout.results import ScanResult, Stored
from distscout.store.bulk import append_rows
from distscout.store.repos import TrackedRepo
from distscout.store.rotation import record_scans
from distscout.store.schema import active_scans, repos
from distscout.store.workers import claim_token, still_registered

DEFAULT_LEASE = timedelta(minutes=30)


class ClaimLost(Exception):
    """The lease ran out and another worker took the repository: this scan's result is not stored."""


@dataclass(frozen=True)
class Claim:
    repo: TrackedRepo
    token: str
    partial: bool


class HeldClaims:
    """The claims this process holds now (claimed, not stored nor given back): the heartbeat extends their
    leases, so a lease lasts as long as its worker lives, however long its scan takes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # claims are taken and stored in threads, the heartbeat in its own
        self._held: dict[tuple[int, str], None] = {}

    def add(self, claims: Sequence[Claim]) -> None:
        with self._lock:
            self._held.update(((c.repo.id, c.token), None) for c in claims)

    def discard(self, claims: Sequence[Claim]) -> None:
        with self._lock:
            for claim in claims:
                self._held.pop((claim.repo.id, claim.token), None)

    def snapshot(self) -> list[tuple[int, str]]:
        with self._lock:
            return list(self._held)

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


HELD = HeldClaims()
if hasattr(os, "register_at_fork"):  # a forked child holds none of its parent's claims
    os.register_at_fork(after_in_child=HELD.clear)


def extend_leases(engine: Engine, now: datetime, lease: timedelta = DEFAULT_LEASE) -> int:
    """Push the leases (and running-scan entries) of this process's claims to `now + lease`; by primary
    key, so a beat costs the same whatever the fleet. Returns how many leases were extended."""
    held = HELD.snapshot()
    if not held:
        return 0
    until = now + lease
    rows = [{"r": repo_id, "t": token} for repo_id, token in held]
    with engine.begin() as connection:
        extended = connection.execute(
            update(repos)
            .where(
                repos.c.id == bindparam("r"),
                repos.c.distribution_claimed_by == bindparam("t"),
                *_unless_locked(connection, repos.c.id, repos.c.id == bindparam("r")),
            )
            .values(distribution_claimed_until=until),
            rows,
        ).rowcount
        active = active_scans.c.repo_id == bindparam("r")
        connection.execute(
            update(active_scans)
            .where(
                active,
                active_scans.c.worker == bindparam("t"),
                *_unless_locked(connection, active_scans.c.repo_id, active),
            )
            .values(until=until),
            rows,
        )
    return int(extended)


def _unless_locked(connection: Connection, column: Any, row: Any) -> list[Any]:
    """PostgreSQL: leave out a row another transaction holds. The group writer holds the rows of the scans
    it is storing until it commits (and clears their leases then): a beat waiting on them could not beat
    again, and a commit slower than three beats would have this live worker taken for dead by the fleet."""
    if connection.dialect.name != "postgresql":
        return []  # SQLite: one writer at a time, on one machine; a beat waits for it as any write does
    unlocked = select(column).where(row).with_for_update(skip_locked=True)
    return [column.in_(unlocked)]


def _free(now: datetime) -> Any:
    """No worker holds the repository's lease (never leased, given back, or run out)."""
    return or_(repos.c.distribution_claimed_until.is_(None), repos.c.distribution_claimed_until <= now)


def due_queries(
    now: datetime, cadence: timedelta, *, partial_first: bool
) -> list[Select[tuple[object, ...]]]:
    common = [or_(repos.c.distribution_retry_at.is_(None), repos.c.distribution_retry_at <= now), _free(now)]
    last_run, ident, active = repos.c.distribution_last_run, repos.c.id, repos.c.archived == false()
    # An archived repo is never rescanned on the cadence, but a partial scan of it is still completed.
    partial = select(repos).where(
        *common, repos.c.distribution_scan_complete == false(), last_run.is_not(None)
    )
    never = select(repos).where(*common, active, last_run.is_(None))
    stale = select(repos).where(*common, active, last_run < now - cadence)
    queries = [never.order_by(ident), stale.order_by(last_run, ident)]
    return [partial.order_by(last_run, ident), *queries] if partial_first else queries


def _set_active(connection: Connection, claims: list[Claim], now: datetime, lease: timedelta) -> None:
    if not claims:
        return
    ids = [claim.repo.id for claim in claims]
    connection.execute(delete(active_scans).where(active_scans.c.repo_id.in_(ids)))
    append_rows(
        connection,
        active_scans,
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
    claims = claim_due(engine, now, cadence, limit=1, partial_first=partial_first, lease=lease)
    return claims[0] if claims else None


def claim_due(
    engine: Engine,
    now: datetime,
    cadence: timedelta,
    *,
    limit: int,
    partial_first: bool = True,
    lease: timedelta = DEFAULT_LEASE,
) -> list[Claim]:
    """Claim up to `limit` due repositories, in claim order, in one short transaction (committed before
    any of them is scanned); an empty list when nothing is due."""
    if not _any_due(engine, now, cadence, partial_first=partial_first):
        return []  # an idle daemon's poll only reads: the claim's first statement writes or locks a row
    token = claim_token()
    claims: list[Claim] = []
    try:
        with engine.begin() as connection:
            still_registered(connection, now)  # first: it may wait on a reap, holding no lock of its own
            # PostgreSQL locks the rows it picks, skipping those another worker is picking: all ours.
            # SQLite has no row locks, so another process may lease some of them first: pick twice the batch.
            enough = limit if connection.dialect.name == "postgresql" else 2 * limit
            picked: list[int] = []
            for query in due_queries(now, cadence, partial_first=partial_first):
                if len(picked) >= enough:
                    break
                ids = query.with_only_columns(repos.c.id).limit(enough - len(picked))
                if picked:  # a partial scan older than the cadence is due twice over
                    ids = ids.where(repos.c.id.not_in(picked))
                picked += connection.execute(ids.with_for_update(skip_locked=True, of=repos)).scalars().all()
            claims = _lease(connection, picked, token, now, lease, most=limit)
    except BaseException:
        _not_held(claims)
        raise
    return claims


def _not_held(claims: list[Claim]) -> None:
    # A claim's transaction that failed may still have committed (the connection lost during COMMIT): its
    # leases, if they exist, are nobody's to scan, so they must run out rather than be extended by every
    # beat of this process for as long as it lives.
    HELD.discard(claims)


def _any_due(engine: Engine, now: datetime, cadence: timedelta, *, partial_first: bool) -> bool:
    with engine.connect() as connection:
        return any(
            connection.execute(query.with_only_columns(repos.c.id).limit(1)).first() is not None
            for query in due_queries(now, cadence, partial_first=partial_first)
        )


def _lease(
    connection: Connection,
    candidates: list[int],
    token: str,
    now: datetime,
    lease: timedelta,
    *,
    most: int | None = None,
) -> list[Claim]:
    """Lease what is still free of `candidates` (up to `most`, in their order) to `token`: a guarded
    UPDATE, so that of two workers wanting one repository exactly one gets it."""
    most = len(candidates) if most is None else most
    taken: list[int] = []
    rest = list(candidates)
    while rest and len(taken) < most:
        tried, rest = rest[: most - len(taken)], rest[most - len(taken) :]
        connection.execute(
            update(repos)
            .where(repos.c.id.in_(tried), _free(now))
            .values(distribution_claimed_by=token, distribution_claimed_until=now + lease)
        )
        taken += connection.execute(
            select(repos.c.id).where(repos.c.id.in_(tried), repos.c.distribution_claimed_by == token)
        ).scalars()
    if not taken:
        return []
    rows = {row.id: row for row in connection.execute(select(repos).where(repos.c.id.in_(taken)))}
    claims = [_leased_claim(rows[repo_id], token) for repo_id in candidates if repo_id in rows]
    _set_active(connection, claims, now, lease)
    HELD.add(claims)  # taken out again if the transaction fails (_not_held)
    return claims


def claim_repo(
    engine: Engine, repo_id: int, now: datetime, *, lease: timedelta = DEFAULT_LEASE
) -> Claim | None:
    """Claim one given repository whatever its schedule (a forced scan); None while another worker has it."""
    return claim_repos(engine, [repo_id], now, lease=lease).get(repo_id)


def claim_repos(
    engine: Engine, repo_ids: Sequence[int], now: datetime, *, lease: timedelta = DEFAULT_LEASE
) -> dict[int, Claim]:
    """Claim given repositories whatever their schedule (forced scans), in one transaction: those another
    worker has are left out."""
    claims: list[Claim] = []
    try:
        with engine.begin() as connection:
            still_registered(connection, now)
            claims = _lease(connection, list(dict.fromkeys(repo_ids)), claim_token(), now, lease)
    except BaseException:
        _not_held(claims)
        raise
    return {claim.repo.id: claim for claim in claims}


def _leased_claim(row: Row[Any], token: str) -> Claim:
    repo = TrackedRepo.from_row(row)
    return Claim(repo, token, repo.scan_complete is False)


def finish(engine: Engine, claim: Claim, scan: ScanResult, now: datetime, cadence: timedelta) -> Stored:
    """Store the scan (rotation or failure) and release the claim, in one transaction."""
    result = finish_leased(engine, [(claim, scan)], now, cadence)[0]
    if isinstance(result, ClaimLost):
        raise result
    return result


def finish_leased(
    engine: Engine, done: Sequence[tuple[Claim, ScanResult]], now: datetime, cadence: timedelta
) -> list[Stored | ClaimLost]:
    """Store several leased claims' scans in one transaction (a group commit), each only if its lease is
    still held; the others come back as ClaimLost, with nothing of theirs stored. Held (their leases extended
    by the heartbeat) until the transaction has committed: a group waiting for an absent database keeps
    its leases."""
    with engine.begin() as connection:
        # FOR UPDATE (PostgreSQL): no other worker may take a lease between this check and the rotation
        holders = dict(
            connection.execute(
                select(repos.c.id, repos.c.distribution_claimed_by)
                .where(repos.c.id.in_([claim.repo.id for claim, _ in done]))
                .order_by(repos.c.id)  # one lock order for every writer: no deadlock between groups
                .with_for_update(of=repos)
            ).all()
        )
        held = [(claim, scan) for claim, scan in done if holders.get(claim.repo.id) == claim.token]
        if held:
            ours = tuple_(active_scans.c.repo_id, active_scans.c.worker)
            connection.execute(delete(active_scans).where(ours.in_([(c.repo.id, c.token) for c, _ in held])))
        stored = dict(
            zip(
                [claim.repo.id for claim, _ in held],
                record_scans(connection, [(claim.repo.id, scan) for claim, scan in held], now, cadence),
                strict=True,
            )
        )
    HELD.discard([claim for claim, _ in done])
    return [
        stored.get(claim.repo.id)
        or ClaimLost(f"{claim.repo.ref.full_name}: the lease ran out and another worker took it")
        for claim, _ in done
    ]


def release(engine: Engine, *claims: Claim) -> None:
    """Give claims back without storing anything (shutdown, or scans abandoned), in one transaction."""
    HELD.discard(claims)
    with engine.begin() as connection:
        for claim in claims:
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
        for query in due_queries(now, cadence, partial_first=partial_first):
            for row in connection.execute(query if limit is None else query.limit(limit)):
                found.setdefault(row.id, TrackedRepo.from_row(row))
    ordered = list(found.values())
    return ordered if limit is None else ordered[:limit]
