"""Scan one repository with every enabled source, and judge the scan (design §2).

- complete: every enabled source ended ok or miss;
- partial: some source answered (data or a clean miss) and some failed transiently (or its breaker was
  open) — stored, and re-claimed ahead of cadence work;
- failed: every enabled source failed and nothing arrived — nothing is stored, the failure count grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from distscout.captures import DEPSDEV, ECOSYSTEMS, GITHUB_PACKAGES, MANIFESTS, RELEASE_ASSETS, Capture
from distscout.config import Settings
from distscout.http import Outcome
from distscout.manifests.walk import WalkMode
from distscout.repos import RepoRef
from distscout.sources import depsdev, ecosystems, github_manifests, github_packages, github_releases
from distscout.sources.base import SourceResult
from distscout.sources.github_repo import RepoMetadata, fetch_metadata
from distscout.upstreams import Upstreams


class Verdict(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True)
class ScanResult:
    ref: RepoRef  # the repository as asked for
    metadata: RepoMetadata | None
    results: dict[str, SourceResult] = field(default_factory=dict)
    metadata_capture: Capture | None = None

    @property
    def verdict(self) -> Verdict:
        return judge(list(self.results.values()))

    @property
    def current_ref(self) -> RepoRef:
        return self.metadata.ref if self.metadata is not None else self.ref

    def outcomes(self) -> dict[str, str]:
        return {source: result.outcome.value for source, result in self.results.items()}


def judge(results: list[SourceResult]) -> Verdict:
    if results and all(r.outcome.is_answer for r in results):
        return Verdict.COMPLETE
    if any(r.has_data for r in results):
        return Verdict.PARTIAL
    return Verdict.FAILED


async def scan_repo(upstreams: Upstreams, repo: RepoRef, settings: Settings) -> ScanResult:
    enabled = set(settings.sources)
    metadata, fetched, capture = await fetch_metadata(upstreams.github, repo)
    current = metadata.ref if metadata is not None else repo
    github_known = metadata is not None or fetched.outcome is Outcome.MISS
    results: dict[str, SourceResult] = {}
    if DEPSDEV in enabled and (settings.cross_check or ECOSYSTEMS not in enabled):
        results[DEPSDEV] = await depsdev.collect(upstreams.depsdev, current)
    if ECOSYSTEMS in enabled:
        renamed = (metadata.renamed_from,) if metadata is not None and metadata.renamed_from else ()
        results[ECOSYSTEMS] = await ecosystems.collect(upstreams.ecosystems, current, also=renamed)
    github_sources = {RELEASE_ASSETS, GITHUB_PACKAGES, MANIFESTS} & enabled
    if github_sources and not github_known:  # GitHub itself failed: every GitHub source failed with it
        for source in sorted(github_sources):
            results[source] = SourceResult(source, fetched.outcome, detail=fetched.error or "metadata failed")
        return ScanResult(repo, metadata, results, capture)
    if RELEASE_ASSETS in enabled:
        results[RELEASE_ASSETS] = await github_releases.collect(upstreams.github, current)
    if GITHUB_PACKAGES in enabled:
        owner_type = metadata.owner_type if metadata is not None else None
        results[GITHUB_PACKAGES] = await github_packages.collect(upstreams.github, current, owner_type)
    if MANIFESTS in enabled:
        branch = metadata.default_branch if metadata is not None else "HEAD"
        results[MANIFESTS] = await github_manifests.collect(upstreams.github, current, branch, WalkMode.DEEP)
    return ScanResult(repo, metadata, results, capture)
