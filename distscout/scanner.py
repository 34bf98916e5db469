"""Scan one repository with every enabled source, and judge the scan (design §2).

- complete: every enabled source ended ok or miss, or was not visible with these credentials (a GitHub token
  without `read:packages`: shown as such per repository and in `stats`, never as "nothing published");
- partial: some source answered (data or a clean miss) and some failed transiently (or its breaker was
  open) — stored, and re-claimed ahead of cadence work;
- failed: every enabled source failed and nothing arrived — nothing is stored, the failure count grows;
- not found: GitHub answers 404 for the repository, after following renames — stored (its rows go to
  history), rescanned on the cadence, and counted apart: a typo in a fleet file is not a clean "nothing".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from enum import StrEnum

from distscout.captures import DEPSDEV, ECOSYSTEMS, GITHUB_PACKAGES, MANIFESTS, RELEASE_ASSETS, Capture
from distscout.config import Settings
from distscout.http import Outcome
from distscout.manifests.walk import WalkMode
from distscout.repos import RepoRef
from distscout.sources import (
    depsdev,
    ecosystems,
    github_manifests,
    github_manifests_graphql,
    github_packages,
    github_releases,
)
from distscout.sources.base import SourceResult
from distscout.sources.github_graphql import GraphQLBatcher
from distscout.sources.github_repo import RepoMetadata, fetch_metadata, fetch_metadata_graphql
from distscout.upstreams import Upstreams


class Verdict(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ScanResult:
    ref: RepoRef  # the repository as asked for
    metadata: RepoMetadata | None
    results: dict[str, SourceResult] = field(default_factory=dict)
    metadata_capture: Capture | None = None
    metadata_outcome: Outcome | None = None  # how GitHub answered the repository's own metadata

    @property
    def verdict(self) -> Verdict:
        if self.metadata is None and self.metadata_outcome is Outcome.MISS:
            return Verdict.NOT_FOUND
        return judge(list(self.results.values()))

    @property
    def current_ref(self) -> RepoRef:
        return self.metadata.ref if self.metadata is not None else self.ref

    def outcomes(self) -> dict[str, str]:
        return {source: result.outcome.value for source, result in self.results.items()}


def judge(results: list[SourceResult]) -> Verdict:
    if results and all(r.outcome.is_settled for r in results):
        return Verdict.COMPLETE
    if any(r.has_data for r in results):
        return Verdict.PARTIAL
    return Verdict.FAILED


async def scan_repo(upstreams: Upstreams, repo: RepoRef, settings: Settings) -> ScanResult:
    """Every enabled source for one repository: the metadata first, then the sources side by side.

    Side by side, because concurrent scans then reach each stage together: their GraphQL and bulk
    questions share queries (`distscout.http.coalesce`).
    """
    enabled = set(settings.sources)
    metadata, outcome, error, capture = await _metadata(upstreams, repo)
    current = metadata.ref if metadata is not None else repo
    pending: dict[str, Awaitable[SourceResult]] = {}
    if DEPSDEV in enabled and (settings.cross_check or ECOSYSTEMS not in enabled):
        pending[DEPSDEV] = depsdev.collect(upstreams.depsdev, current)
    if ECOSYSTEMS in enabled:
        renamed = (metadata.renamed_from,) if metadata is not None and metadata.renamed_from else ()
        pending[ECOSYSTEMS] = ecosystems.collect(
            upstreams.ecosystems, current, also=renamed, bulk=upstreams.ecosystems_bulk
        )
    github_sources = {RELEASE_ASSETS, GITHUB_PACKAGES, MANIFESTS} & enabled
    failed: dict[str, SourceResult] = {}
    if github_sources and metadata is None:
        # No such repository (a miss for every GitHub source, nothing more to ask), or GitHub failed:
        # every GitHub source failed with it.
        for source in sorted(github_sources):
            failed[source] = SourceResult(source, outcome, detail=error or "metadata failed")
    else:
        if RELEASE_ASSETS in enabled:
            pending[RELEASE_ASSETS] = _releases(upstreams, current, metadata)
        if GITHUB_PACKAGES in enabled:
            owner_type = metadata.owner_type if metadata is not None else None
            pending[GITHUB_PACKAGES] = github_packages.collect(upstreams.github, current, owner_type)
        if MANIFESTS in enabled:
            pending[MANIFESTS] = _manifests(upstreams, current, metadata)
    answered = await asyncio.gather(*pending.values())
    results = dict(zip(pending, answered, strict=True)) | failed
    return ScanResult(repo, metadata, results, capture, metadata_outcome=outcome)


async def _metadata(
    upstreams: Upstreams, repo: RepoRef
) -> tuple[RepoMetadata | None, Outcome, str, Capture | None]:
    """The repository's metadata: through batched GraphQL when configured, REST otherwise or as fallback."""
    if upstreams.graphql is not None:
        metadata, answer, capture = await fetch_metadata_graphql(upstreams.graphql, repo)
        if answer.outcome is not Outcome.PERMANENT:
            return metadata, answer.outcome, answer.error, capture
    metadata, fetched, capture = await fetch_metadata(upstreams.github, repo)
    return metadata, fetched.outcome, fetched.error, capture


def _batched(upstreams: Upstreams, metadata: RepoMetadata | None) -> GraphQLBatcher | None:
    """The GraphQL batcher, when the metadata came through it (it then carries the tree and releases)."""
    from_graphql = metadata is not None and metadata.releases is not None
    return upstreams.graphql if from_graphql else None


async def _releases(upstreams: Upstreams, repo: RepoRef, metadata: RepoMetadata | None) -> SourceResult:
    if (batcher := _batched(upstreams, metadata)) is not None and metadata is not None:
        return await github_releases.collect_graphql(batcher, upstreams.github, repo, metadata.releases)
    return await github_releases.collect(upstreams.github, repo)


async def _manifests(upstreams: Upstreams, repo: RepoRef, metadata: RepoMetadata | None) -> SourceResult:
    branch = metadata.default_branch if metadata is not None else "HEAD"
    if (batcher := _batched(upstreams, metadata)) is not None and metadata is not None:
        if metadata.tree_oid is None:  # GraphQL's word for an empty repository (REST: 409)
            return SourceResult(MANIFESTS, Outcome.MISS)
        return await github_manifests_graphql.collect(
            batcher, upstreams.github, repo, branch, metadata.tree_oid
        )
    return await github_manifests.collect(upstreams.github, repo, branch, WalkMode.DEEP)
