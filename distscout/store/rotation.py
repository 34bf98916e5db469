"""Rotation: store a scan's evidence in one transaction (design §4).

Current rows are copied to history, the rows of every source that answered are replaced by the fresh
observations, and the repo's scheduler columns are stamped. A source that failed keeps its previous
rows and captures (when it has any), so a partial scan never shrinks the evidence; it is re-claimed
first. A failed scan stores nothing and grows the failure count, with a quadratic backoff, and is
sidelined until the cadence at the 10th consecutive failure.

The caller owns the transaction: a crash anywhere inside leaves the previous state intact.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, literal, select, update

from distscout.captures import Capture
from distscout.repos import RepoRef
from distscout.results import ScanResult, Stored, Verdict
from distscout.rows import derived_rows, version_tag
from distscout.store.bodies import store_bodies
from distscout.store.bulk import append_rows, update_rows
from distscout.store.derive import load_captures_many, replace_rows
from distscout.store.schema import (
    captures,
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repos,
    scan_runs,
)

BACKOFF_UNIT = timedelta(seconds=120)
SIDELINE_AFTER = 10


def backoff(failures: int) -> timedelta:
    """120 s × n²: 2 min, 8 min, 18 min, 32 min …"""
    return BACKOFF_UNIT * max(failures, 1) ** 2


def record_scan(
    connection: Connection, repo_id: int, scan: ScanResult, now: datetime, cadence: timedelta
) -> Stored:
    return record_scans(connection, [(repo_id, scan)], now, cadence)[0]


def record_scans(
    connection: Connection,
    items: Sequence[tuple[int, ScanResult]],
    now: datetime,
    cadence: timedelta,
) -> list[Stored]:
    """Store several repositories' scans in the caller's transaction (a group commit); what each stored.

    Set-based: the number of statements does not grow with the number of scans. A repository appears once.
    """
    if not items:
        return []
    if len({repo_id for repo_id, _ in items}) != len(items):
        raise ValueError("record_scans: a repository appears twice in one batch")
    ids = [repo_id for repo_id, _ in items]
    state = {
        row.id: row
        for row in connection.execute(
            select(
                repos.c.id, repos.c.host, repos.c.owner, repos.c.name, repos.c.distribution_failed_attempts
            ).where(repos.c.id.in_(ids))
        )
    }
    failed = [(repo_id, scan) for repo_id, scan in items if scan.verdict is Verdict.FAILED]
    for repo_id, scan in failed:
        record_failure(
            connection,
            repo_id,
            now,
            cadence,
            _error_summary(scan),
            failed_before=state[repo_id].distribution_failed_attempts,
        )
    counts = rotate_many(
        connection,
        [
            (repo_id, RepoRef(state[repo_id].host, state[repo_id].owner, state[repo_id].name), scan)
            for repo_id, scan in items
            if scan.verdict is not Verdict.FAILED
        ],
        now,
        Backoff(cadence, {repo_id: row.distribution_failed_attempts for repo_id, row in state.items()}),
    )
    tag = version_tag()
    append_rows(
        connection,
        scan_runs,
        [
            {
                "repo_id": repo_id,
                "finished_at": now,
                "verdict": scan.verdict.value,
                "outcomes": json.dumps(scan.outcomes(), sort_keys=True),
                "interpreter_version": tag,
            }
            for repo_id, scan in items
        ],
    )
    return [Stored(scan.verdict, *counts.get(repo_id, (0, 0))) for repo_id, scan in items]


def rotate_many(
    connection: Connection,
    items: Sequence[tuple[int, RepoRef, ScanResult]],
    now: datetime,
    backoff_state: Backoff,
) -> dict[int, tuple[int, int]]:
    """Rotate each (repo id, the repository as stored, scan): history snapshot, captures replaced, rows
    rebuilt.
    Returns each repository's registry and manifest row counts, as stored."""
    if not items:
        return {}
    ids = [repo_id for repo_id, _, _ in items]
    previous: dict[int, set[str]] = defaultdict(set)
    for repo_id, source in connection.execute(
        select(captures.c.repo_id, captures.c.source).where(captures.c.repo_id.in_(ids)).distinct()
    ):
        previous[repo_id].add(source)
    snapshot(connection, ids, now)
    plans = [_Plan.of(repo_id, repo, scan, previous[repo_id]) for repo_id, repo, scan in items]
    _delete_replaced(connection, plans, previous)
    # Captures of the sources that failed this time (none on a complete scan: nothing is read back).
    partial = [p.repo_id for p in plans if p.keeps_some]
    kept = load_captures_many(connection, partial) if partial else {}
    insert_captures_many(connection, [(p.repo_id, p.new_captures) for p in plans])
    registry: list[dict[str, object]] = []
    manifests: list[dict[str, object]] = []
    counts: dict[int, tuple[int, int]] = {}
    for plan in plans:
        # The rows are what the stored captures stand for, by construction: kept ones, then the new ones,
        # in the order they were stored (the order a reprocess reads them back in).
        found = derived_rows(plan.repo_id, plan.repo, kept.get(plan.repo_id, []) + plan.new_captures)
        registry += found[0]
        manifests += found[1]
        counts[plan.repo_id] = (len(found[0]), len(found[1]))
    replace_rows(connection, ids, registry, manifests)
    _stamp(connection, [(p.repo_id, p.scan) for p in plans], now, backoff_state)
    return counts


@dataclass(frozen=True)
class _Plan:
    repo_id: int
    repo: RepoRef
    scan: ScanResult
    replaced_captures: set[str]
    new_captures: list[Capture]
    keeps_some: bool  # some source failed this time and has captures from before

    @classmethod
    def of(cls, repo_id: int, repo: RepoRef, scan: ScanResult, previous: set[str]) -> _Plan:
        replaced = {
            source
            for source, result in scan.results.items()
            if result.outcome.is_answer
            or (result.has_data and source not in previous)
            or (result.whole and result.captures)
        }
        metadata = scan.metadata_capture
        replaced_captures = replaced | ({metadata.source} if metadata is not None else set())
        new = [c for source in sorted(replaced) for c in scan.results[source].captures]
        if scan.metadata_capture is not None:
            new.append(scan.metadata_capture)
        return cls(repo_id, repo, scan, replaced_captures, new, bool(previous - replaced_captures))


def _delete_replaced(connection: Connection, plans: list[_Plan], previous: dict[int, set[str]]) -> None:
    """Delete the captures each scan replaces: only sources that have some (a first scan deletes nothing),
    and a repository that keeps none in one statement for the batch; per source only where some are kept.
    On PostgreSQL every row of an executemany costs the writer thread Python time (issue 20)."""
    whole = [p.repo_id for p in plans if previous[p.repo_id] and not p.keeps_some]
    if whole:
        connection.execute(delete(captures).where(captures.c.repo_id.in_(whole)))
    some = [
        {"r": p.repo_id, "s": source}
        for p in plans
        if p.keeps_some
        for source in sorted(p.replaced_captures & previous[p.repo_id])
    ]
    if some:
        connection.execute(
            delete(captures).where(captures.c.repo_id == bindparam("r"), captures.c.source == bindparam("s")),
            some,
        )


NOT_FOUND_MESSAGE = "not found: GitHub answers 404 for this repository (renames followed)"


@dataclass(frozen=True)
class Backoff:
    """What a partial scan's retry depends on: the cadence (sidelined until it) and each repository's
    consecutive unfinished scans before this one."""

    cadence: timedelta
    failed_before: dict[int, int]

    def after_partial(self, repo_id: int, now: datetime) -> dict[str, object]:
        """A partial scan is re-claimed ahead of cadence work, at once the first time (a blip), then
        after 120 s × (n−1)² for the n-th partial in a row, sidelined until the cadence at the 10th: a source
        that fails the same way every time (a listing past its page cap, an upstream answering one repository
        5xx) was asked again in a loop, ten times in 25 s, and opened the upstream's breaker for the fleet."""
        unfinished = self.failed_before.get(repo_id, 0) + 1
        retry_at = now + backoff(unfinished - 1) if unfinished > 1 else None  # a failed scan's, one behind
        if unfinished >= SIDELINE_AFTER:
            retry_at = now + self.cadence
        return {
            "distribution_failed_attempts": unfinished,
            "distribution_last_failed_at": now,
            "distribution_retry_at": retry_at,
        }


def _stamp(
    connection: Connection, items: list[tuple[int, ScanResult]], now: datetime, backoff_state: Backoff
) -> None:
    """The scheduler columns of each rotated repo, grouped by which columns change (a statement each)."""
    groups: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
    for repo_id, scan in items:
        values: dict[str, object] = {
            "id": repo_id,
            "distribution_last_run": now,
            # not found: nothing to retry before the cadence comes round (a transfer may bring it back)
            "distribution_scan_complete": scan.verdict in (Verdict.COMPLETE, Verdict.NOT_FOUND),
            "distribution_not_found": scan.verdict is Verdict.NOT_FOUND,
            "distribution_failed_attempts": 0,
            "distribution_last_failed_at": None,
            "distribution_retry_at": None,
            "distribution_last_error": _error_summary(scan) or None,
            "distribution_claimed_by": None,
            "distribution_claimed_until": None,
            **_metadata_values(scan),
        }
        if scan.verdict is Verdict.PARTIAL:
            values |= backoff_state.after_partial(repo_id, now)
        groups[tuple(values)].append(values)
    for rows in groups.values():
        update_rows(connection, repos, rows, "id")


def snapshot(connection: Connection, repo_ids: list[int], now: datetime) -> None:
    """Copy the repos' current rows into the history tables, stamped `now`."""
    for current, history in (
        (repo_distribution, repo_distribution_history),
        (repo_distribution_manifest, repo_distribution_manifest_history),
    ):
        columns = [c.name for c in current.columns if c.name != "id"]
        stamp = literal(now, type_=history.c.rotated_at.type).label("rotated_at")
        source = select(*[current.c[name] for name in columns], stamp).where(current.c.repo_id.in_(repo_ids))
        connection.execute(insert(history).from_select([*columns, "rotated_at"], source))


def record_failure(
    connection: Connection,
    repo_id: int,
    now: datetime,
    cadence: timedelta,
    error: str,
    *,
    failed_before: int,  # consecutive failures before this one, as read with the batch
) -> None:
    failures = failed_before + 1
    values: dict[str, object] = {
        "distribution_failed_attempts": failures,
        "distribution_last_failed_at": now,
        "distribution_retry_at": now + backoff(failures),
        "distribution_last_error": error[:2000],
        "distribution_claimed_by": None,
        "distribution_claimed_until": None,
    }
    if failures >= SIDELINE_AFTER:  # sidelined: not tried again before the cadence comes round
        values.update(distribution_last_run=now, distribution_retry_at=now + cadence)
    connection.execute(update(repos).where(repos.c.id == repo_id).values(**values))


def insert_captures_many(connection: Connection, groups: list[tuple[int, list[Capture]]]) -> None:
    """Store the captures of several repos: bodies, then capture rows (one COPY on PostgreSQL), in list
    order."""
    if not any(items for _, items in groups):
        return
    digests = iter(store_bodies(connection, (c.body for _, items in groups for c in items)))
    append_rows(
        connection,
        captures,
        [
            {
                "repo_id": repo_id,
                "source": c.source,
                "kind": c.kind,
                "request": c.request[:2000],
                "status": c.status,
                "subject": c.subject[:1000],
                "from_cache": c.from_cache,
                "fetched_at": c.fetched_at,
                "digest": next(digests),  # the same order: groups, then their captures
            }
            for repo_id, items in groups
            for c in items
        ],
    )


def _metadata_values(scan: ScanResult) -> dict[str, object]:
    if scan.metadata is None:
        return {}
    meta = scan.metadata
    return {"archived": meta.archived, "default_branch": meta.default_branch, "owner_type": meta.owner_type}


def _error_summary(scan: ScanResult) -> str:
    if scan.verdict is Verdict.NOT_FOUND:
        return NOT_FOUND_MESSAGE
    return "; ".join(
        f"{s}: {r.outcome.value} {r.detail}".strip()
        for s, r in sorted(scan.results.items())
        if not r.outcome.is_answer
    )
