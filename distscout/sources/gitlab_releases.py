"""GitLab releases and their asset links: the same extension heuristic as GitHub's release assets."""

from __future__ import annotations

from distscout.forges import GITLAB
from distscout.http import Outcome, UpstreamClient
from distscout.interpreters.release_assets import GITLAB_RELEASE_ASSETS
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source, capture_of
from distscout.sources.gitlab_packages import list_pages


async def collect(client: UpstreamClient, project: str) -> SourceResult:
    pages = await list_pages(client, f"/projects/{project}/releases")
    last = pages[-1]
    if not last.outcome.is_answer:
        return SourceResult(GITLAB_RELEASE_ASSETS, last.outcome, detail=last.error)
    captures = tuple(
        capture_of(GITLAB_RELEASE_ASSETS, "gitlab.releases", page, subject=project) for page in pages
    )
    listed = any(isinstance(page.data, list) and page.data for page in pages)
    return SourceResult(GITLAB_RELEASE_ASSETS, Outcome.OK if listed else Outcome.MISS, captures)


async def _collect(context: ScanContext) -> SourceResult:
    metadata = context.metadata
    project = metadata.project_id if metadata is not None and metadata.project_id else ""
    return await collect(context.upstreams.forge_client(context.forge), project)


SOURCE = Source(GITLAB_RELEASE_ASSETS, "gitlab", _collect, needs_metadata=True, forges=frozenset({GITLAB}))
