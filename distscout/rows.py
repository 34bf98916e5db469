"""The rows a repository's captures stand for: registry and manifest rows as the store keeps them, stamped
with the interpreter's version. Pure (no database): rotation, reprocess and the integrity check all derive
rows here, so what is stored and what a check expects cannot drift apart.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from typing import Any

from distscout.captures import Capture
from distscout.ecosystems import normalize_name
from distscout.interpret import NOISE_ECOSYSTEMS, interpret, interpreter_version
from distscout.interpreters.manifests import MANIFESTS
from distscout.repos import RepoRef
from distscout.triage import identity_of, triage, triage_values


def version_tag() -> str:
    """A short, stable tag of the interpreter and parser versions (the full string is long)."""
    return _tag_of(interpreter_version())


@functools.lru_cache(maxsize=4)
def _tag_of(version: str) -> str:
    return "v" + hashlib.sha256(version.encode()).hexdigest()[:12]


def derived_rows(
    repo_id: int, repo: RepoRef, stored: list[Capture]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The registry and manifest rows that `stored` captures stand for (values ready to insert); `repo` is
    the repository as stored (the triage compares registries' links with it)."""
    result = interpret(stored, repo.full_name)
    collected: dict[str, datetime] = {}
    for capture in stored:
        collected[capture.source] = max(collected.get(capture.source, capture.fetched_at), capture.fetched_at)
    declared = {d.manifest_type for d in result.manifests}
    verdicts = triage(result, stored, identity_of(repo, stored))
    # a linked or unlinked name is registry evidence: the name lookup found the package
    named = [t.evidence for t in verdicts.values() if t.evidence is not None]
    tag = version_tag()
    registry: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in [*result.registry, *named]:
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
            **triage_values(verdicts.get(d.path)),
        }
        for d in result.manifests
    }
    return list(registry.values()), list(manifests.values())
