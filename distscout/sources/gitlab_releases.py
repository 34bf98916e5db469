"""GitLab releases and their asset links: the same extension heuristic as GitHub's release assets."""

from __future__ import annotations

from distscout.forges import GITLAB
from distscout.http import UpstreamClient
from distscout.interpreters.release_assets import GITLAB_RELEASE_ASSETS
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source
from distscout.sources.gitlab_lists import collect_listing, project_of


async def collect(client: UpstreamClient, project: str) -> SourceResult:
    path = f"/projects/{project}/releases"
    return await collect_listing(client, path, GITLAB_RELEASE_ASSETS, "gitlab.releases", project)


async def _collect(context: ScanContext) -> SourceResult:
    return await collect(context.upstreams.forge_client(context.forge), project_of(context))


SOURCE = Source(GITLAB_RELEASE_ASSETS, "gitlab", _collect, needs_metadata=True, forges=frozenset({GITLAB}))
