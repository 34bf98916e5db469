"""The GraphQL part of scans about to start, asked together as soon as their repositories are claimed.

A scan's GitHub questions — its metadata, then its root tree and its releases, then its manifests' blobs —
go out as aliases of shared queries (`github_graphql`), and a query costs 1 point however many aliases it
carries. How full the queries are must not depend on how many scans happen to overlap: with 4 workers a
tree query would carry 4 trees, not 10, and a first scan cost 3.5 times the points it costs with 64. So
whoever claims repositories (`scan`'s batch, the daemon) hands each claimed chunk to `scan_ahead`: their
metadata goes out in one query, then the sources that ride GraphQL (`Source.runs_ahead`: the manifest walk,
release assets) run for the whole chunk together, whatever `workers` is. A scan, when it starts (at the pace
the budgets allow), takes their results (`Upstreams.ahead`) instead of asking.

The rest of the scan (REST, deps.dev, ecosyste.ms) waits for a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from distscout.config import Settings
from distscout.forges import GITHUB, GITHUB_HOST, Forge, forge_of
from distscout.repos import RepoRef
from distscout.results import SourceResult
from distscout.sources.ahead import METADATA
from distscout.sources.base import ScanContext, Source
from distscout.sources.github_repo import MetadataAnswer, fetch_metadata_graphql
from distscout.sources.registry import enabled_sources
from distscout.upstreams import Upstreams


def scan_ahead(upstreams: Upstreams, settings: Settings, refs: Iterable[RepoRef]) -> None:
    """Start the metadata, then the sources that run ahead, of these claimed repositories.

    GitHub's only: a GitLab project's owner and name would ask GitHub about somebody else's repository.
    """
    batcher, forge = upstreams.graphql, forge_of(settings.forges(), GITHUB_HOST)
    if batcher is None or batcher.unavailable or forge is None:
        return
    sources = [
        source
        for source in enabled_sources(settings.sources)
        if source.runs_ahead and (not source.forges or GITHUB in source.forges)
    ]
    for ref in refs:
        if ref.host != GITHUB_HOST or upstreams.ahead.waiting(ref):
            continue
        upstreams.ahead.drop(ref)  # leftovers of its last scan (sources it did not run): start afresh
        # Asked in this same turn of the loop: the coalescer sends the chunk's metadata as one query.
        metadata = upstreams.ahead.start(ref, METADATA, fetch_metadata_graphql(batcher, ref))
        for source in sources:
            upstreams.ahead.start(ref, source.name, _run(upstreams, settings, forge, source, metadata))


async def _run(
    upstreams: Upstreams,
    settings: Settings,
    forge: Forge,
    source: Source,
    metadata_task: asyncio.Task[MetadataAnswer],
) -> SourceResult | None:
    """The source's result for the scan to take; None where the scan would not run it (no metadata, not
    wanted): the scan then decides for itself."""
    # Shielded: a scan that took the metadata and was cancelled must not cancel the other sources' view.
    metadata, _, _ = await asyncio.shield(metadata_task)
    if metadata is None:
        return None
    context = ScanContext(upstreams, settings, forge, metadata.ref, metadata)
    return await source.collect(context) if source.wanted(context) else None
