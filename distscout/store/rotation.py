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
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, literal, select, update

from distscout.captures import GITHUB_REPO, Capture
from distscout.scanner import ScanResult, Verdict
from distscout.store.bodies import digest_of, store_bodies
from distscout.store.derive import load_captures, rebuild_rows, version_tag
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
) -> Verdict:
    verdict = scan.verdict
    if verdict is Verdict.FAILED:
        record_failure(connection, repo_id, now, cadence, _error_summary(scan))
    else:
        rotate(connection, repo_id, scan, now)
    connection.execute(
        insert(scan_runs).values(
            repo_id=repo_id,
            finished_at=now,
            verdict=verdict.value,
            outcomes=json.dumps(scan.outcomes(), sort_keys=True),
            interpreter_version=version_tag(),
        )
    )
    return verdict


def rotate(connection: Connection, repo_id: int, scan: ScanResult, now: datetime) -> None:
    previous_sources = set(
        connection.execute(
            select(captures.c.source).where(captures.c.repo_id == repo_id).distinct()
        ).scalars()
    )
    replaced = {
        source
        for source, result in scan.results.items()
        if result.outcome.is_answer or (result.has_data and source not in previous_sources)
    }
    snapshot(connection, repo_id, now)
    replaced_captures = replaced | ({GITHUB_REPO} if scan.metadata_capture is not None else set())
    connection.execute(
        delete(captures).where(and_(captures.c.repo_id == repo_id, captures.c.source.in_(replaced_captures)))
    )
    # Captures of the sources that failed this time (none on a complete scan: nothing is read back).
    kept = load_captures(connection, repo_id) if previous_sources - replaced_captures else []
    new_captures = [c for source in sorted(replaced) for c in scan.results[source].captures]
    if scan.metadata_capture is not None:
        new_captures.append(scan.metadata_capture)
    insert_captures(connection, repo_id, new_captures)
    # The rows are what the stored captures stand for, by construction: kept ones, then the new ones,
    # in the order they were stored (the order a reprocess reads them back in).
    rebuild_rows(connection, repo_id, kept + new_captures)
    connection.execute(
        update(repos)
        .where(repos.c.id == repo_id)
        .values(
            distribution_last_run=now,
            distribution_scan_complete=scan.verdict is Verdict.COMPLETE,
            distribution_failed_attempts=0,
            distribution_last_failed_at=None,
            distribution_retry_at=None,
            distribution_last_error=_error_summary(scan) or None,
            distribution_claimed_by=None,
            distribution_claimed_until=None,
            **_metadata_values(scan),
        )
    )


def snapshot(connection: Connection, repo_id: int, now: datetime) -> None:
    """Copy the repo's current rows into the history tables, stamped `now`."""
    for current, history in (
        (repo_distribution, repo_distribution_history),
        (repo_distribution_manifest, repo_distribution_manifest_history),
    ):
        columns = [c.name for c in current.columns if c.name != "id"]
        stamp = literal(now, type_=history.c.rotated_at.type).label("rotated_at")
        source = select(*[current.c[name] for name in columns], stamp).where(current.c.repo_id == repo_id)
        connection.execute(insert(history).from_select([*columns, "rotated_at"], source))


def record_failure(
    connection: Connection, repo_id: int, now: datetime, cadence: timedelta, error: str
) -> None:
    failures = (
        int(
            connection.execute(
                select(repos.c.distribution_failed_attempts).where(repos.c.id == repo_id)
            ).scalar_one()
        )
        + 1
    )
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


def insert_captures(connection: Connection, repo_id: int, items: list[Capture]) -> None:
    if not items:
        return
    store_bodies(connection, (c.body for c in items))
    connection.execute(
        insert(captures),
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
                "digest": digest_of(c.body),
            }
            for c in items
        ],
    )


def _metadata_values(scan: ScanResult) -> dict[str, object]:
    if scan.metadata is None:
        return {}
    meta = scan.metadata
    return {"archived": meta.archived, "default_branch": meta.default_branch, "owner_type": meta.owner_type}


def _error_summary(scan: ScanResult) -> str:
    return "; ".join(
        f"{s}: {r.outcome.value} {r.detail}".strip()
        for s, r in sorted(scan.results.items())
        if not r.outcome.is_answer
    )
