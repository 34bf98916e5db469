"""Current rows, from a repository's stored captures — the one path both rotation and reprocess take. The
SQL half: loading captures and replacing rows; what the rows are is `distscout.rows` (pure).

Because rotation stores captures first and then derives the rows from them, the rows of every repository
are, by construction, what the current interpreter makes of its committed input: a reprocess after a
parser upgrade rebuilds exactly what a fresh scan of the same answers would store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from distscout.captures import Capture
from distscout.repos import RepoRef
from distscout.rows import derived_rows
from distscout.store.bodies import load_bodies
from distscout.store.bulk import append_rows
from distscout.store.schema import captures, repo_distribution, repo_distribution_manifest, repos


def load_captures(connection: Connection, repo_id: int) -> list[Capture]:
    return load_captures_many(connection, [repo_id]).get(repo_id, [])


def load_captures_many(connection: Connection, repo_ids: list[int]) -> dict[int, list[Capture]]:
    """Each repo's stored captures in storage order: two queries for the lot (an integrity check pages)."""
    rows = connection.execute(
        select(captures).where(captures.c.repo_id.in_(repo_ids)).order_by(captures.c.id)
    ).all()
    bodies = load_bodies(connection, (row.digest for row in rows))
    found: dict[int, list[Capture]] = {}
    for row in rows:
        if row.digest in bodies:
            found.setdefault(row.repo_id, []).append(
                Capture(
                    row.source,
                    row.kind,
                    row.request,
                    row.status,
                    bodies[row.digest],
                    row.fetched_at,
                    row.subject,
                    row.from_cache,
                )
            )
    return found


def rebuild_rows(connection: Connection, repo_id: int) -> tuple[int, int]:
    """Replace the repo's current rows with those its stored captures stand for; returns the row counts."""
    host, owner, name = connection.execute(
        select(repos.c.host, repos.c.owner, repos.c.name).where(repos.c.id == repo_id)
    ).one()
    registry, manifests = derived_rows(
        repo_id, RepoRef(host, owner, name), load_captures(connection, repo_id)
    )
    replace_rows(connection, [repo_id], registry, manifests)
    return len(registry), len(manifests)


def replace_rows(
    connection: Connection,
    repo_ids: list[int],
    registry: list[dict[str, Any]],
    manifests: list[dict[str, Any]],
) -> None:
    """Replace the current rows of `repo_ids` with the given ones: four statements whatever their number
    (the inserts are COPYs on PostgreSQL)."""
    if not repo_ids:
        return
    connection.execute(delete(repo_distribution).where(repo_distribution.c.repo_id.in_(repo_ids)))
    connection.execute(
        delete(repo_distribution_manifest).where(repo_distribution_manifest.c.repo_id.in_(repo_ids))
    )
    append_rows(connection, repo_distribution, registry)
    append_rows(connection, repo_distribution_manifest, manifests)
