"""Current rows, derived from a repository's stored captures — the one path both rotation and reprocess take.

Because rotation stores captures first and then derives the rows from them, the rows of every repository
are, by construction, what the current interpreter makes of its committed input: a reprocess after a
parser upgrade rebuilds exactly what a fresh scan of the same answers would store.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from distscout.captures import Capture
from distscout.ecosystems import normalize_name
from distscout.interpret import NOISE_ECOSYSTEMS, interpret, interpreter_version
from distscout.interpreters.manifests import MANIFESTS
from distscout.store.bodies import load_bodies
from distscout.store.schema import captures, repo_distribution, repo_distribution_manifest, repos


def version_tag() -> str:
    """A short, stable tag of the interpreter and parser versions (the full string is long)."""
    return _tag_of(interpreter_version())


@functools.lru_cache(maxsize=4)
def _tag_of(version: str) -> str:
    return "v" + hashlib.sha256(version.encode()).hexdigest()[:12]


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


def derived_rows(
    repo_id: int, full_name: str, stored: list[Capture]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The registry and manifest rows that `stored` captures stand for (values ready to insert)."""
    result = interpret(stored, full_name)
    collected: dict[str, datetime] = {}
    for capture in stored:
        collected[capture.source] = max(collected.get(capture.source, capture.fetched_at), capture.fetched_at)
    declared = {d.manifest_type for d in result.manifests}
    tag = version_tag()
    registry: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in result.registry:
        registry.setdefault(
            row.key,
            {
                "repo_id": repo_id,
                "ecosystem": row.ecosystem,
                "package_name": row.package_name,
                "normalized_name": normalize_name(row.ecosystem, row.package_name),
                "source": row.source,
                "purl": row.purl,
                "version_count": row.version_count,
                "first_published_at": row.first_published_at,
                "latest_published_at": row.latest_published_at,
                "provenance": row.provenance,
                # go/actions/docker rows are noise unless the repo itself declares that ecosystem
                "noise": row.ecosystem in NOISE_ECOSYSTEMS and row.ecosystem not in declared,
                "interpreter_version": tag,
                "data_collection_date": collected[row.source],
            },
        )
    manifests = {
        d.path: {
            "repo_id": repo_id,
            "manifest_path": d.path,
            "manifest_type": d.manifest_type,
            "package_name_declared": d.name,
            "normalized_name": d.normalized_name,
            "purl": d.purl,
            "intent": d.intent,
            "intent_reason": d.intent_reason[:300],
            "status": d.status.value,
            "detail": d.detail[:500],
            "parser_version": d.parser_version,
            "data_collection_date": collected[MANIFESTS],
        }
        for d in result.manifests
    }
    return list(registry.values()), list(manifests.values())


def rebuild_rows(connection: Connection, repo_id: int) -> tuple[int, int]:
    """Replace the repo's current rows with those its stored captures stand for; returns the row counts."""
    owner, name = connection.execute(select(repos.c.owner, repos.c.name).where(repos.c.id == repo_id)).one()
    registry, manifests = derived_rows(repo_id, f"{owner}/{name}", load_captures(connection, repo_id))
    replace_rows(connection, [repo_id], registry, manifests)
    return len(registry), len(manifests)


def replace_rows(
    connection: Connection,
    repo_ids: list[int],
    registry: list[dict[str, Any]],
    manifests: list[dict[str, Any]],
) -> None:
    """Replace the current rows of `repo_ids` with the given ones: four statements whatever their number."""
    if not repo_ids:
        return
    connection.execute(delete(repo_distribution).where(repo_distribution.c.repo_id.in_(repo_ids)))
    connection.execute(
        delete(repo_distribution_manifest).where(repo_distribution_manifest.c.repo_id.in_(repo_ids))
    )
    if registry:
        connection.execute(insert(repo_distribution), registry)
    if manifests:
        connection.execute(insert(repo_distribution_manifest), manifests)
