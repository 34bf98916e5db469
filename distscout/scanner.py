"""Scan one repository with every enabled source of the registry (design §2); its verdict (in results):

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
from datetime import timedelta
from typing import Any, cast

from distscout.config import Settings
from distscout.forges import forge_of
from distscout.http import Outcome
from distscout.interpreters.manifests import MANIFESTS
from distscout.interpreters.name_lookup import NAME_LOOKUP
from distscout.repos import RepoRef
from distscout.results import ScanResult, SourceResult
from distscout.sources.ahead import result_of
from distscout.sources.base import ScanContext, Source
from distscout.sources.name_lookup import look_up, questions_of
from distscout.sources.registry import enabled_sources, metadata_of
from distscout.upstreams import Upstreams


async def scan_repo(upstreams: Upstreams, repo: RepoRef, settings: Settings) -> ScanResult:
    """Every enabled source for one repository: the forge's metadata first, then the sources side by side.

    Side by side, because concurrent scans then reach each stage together: their GraphQL and bulk
    questions share queries (`distscout.http.coalesce`).
    """
    forge = forge_of(settings.forges(), repo.host)
    if forge is None:  # a self-hosted GitLab since taken out of the settings: nothing to ask
        unknown = SourceResult("forge", Outcome.PERMANENT, detail=f"{repo.host} is not a configured forge")
        return ScanResult(repo, None, {"forge": unknown}, None, metadata_outcome=Outcome.PERMANENT)
    metadata, outcome, error, capture = await metadata_of(forge.kind)(upstreams, forge, repo)
    current = metadata.ref if metadata is not None else repo
    context = ScanContext(upstreams, settings, forge, current, metadata)
    pending: dict[str, Awaitable[SourceResult]] = {}
    failed: dict[str, SourceResult] = {}
    for source in enabled_sources(settings.sources):
        if (source.forges and forge.kind not in source.forges) or not source.wanted(context):
            continue
        if source.needs_metadata and metadata is None:
            # No such repository (a miss, nothing more to ask), or the forge failed: the source with it.
            failed[source.name] = SourceResult(source.name, outcome, detail=error or "metadata failed")
        else:
            pending[source.name] = _collected(source, context, upstreams.ahead.take(repo, source.name))
    answered = await asyncio.gather(*pending.values())
    results = dict(zip(pending, answered, strict=True)) | failed
    if NAME_LOOKUP in settings.sources and MANIFESTS in results:
        results[NAME_LOOKUP] = await _names(upstreams, settings, current, results)
    return ScanResult(repo, metadata, results, capture, metadata_outcome=outcome)


async def _collected(source: Source, context: ScanContext, early: asyncio.Task[Any] | None) -> SourceResult:
    """The source's result: the one run ahead with its claimed chunk (`github_ahead`), else collected now."""
    if early is not None and (result := await result_of(early)) is not None:
        return cast(SourceResult, result)
    return await source.collect(context)


async def _names(
    upstreams: Upstreams, settings: Settings, repo: RepoRef, results: dict[str, SourceResult]
) -> SourceResult:
    """Then the names no registry mapped back to the repository: the orphans' triage (distscout.triage).

    Only when the manifests were read: without them, which names are orphans is not known this time (the
    verdicts from the last answered lookup stand)."""
    if not results[MANIFESTS].outcome.is_answer:
        return SourceResult(NAME_LOOKUP, Outcome.TRANSIENT, detail="waits on the manifests")
    fresh = [c for result in results.values() for c in result.captures]
    return await look_up(
        upstreams, questions_of(fresh, repo.full_name), timedelta(days=settings.cadence_days)
    )
