"""GitLab's package registry: every package of one project, of every type, in one paginated listing.

Unlike GitHub's per-owner listings, `GET /projects/:id/packages` is per repository: no filtering by
repository, one call for all types.
"""

from __future__ import annotations

from distscout.forges import GITLAB
from distscout.http import UpstreamClient
from distscout.interpreters.gitlab_packages import GITLAB_PACKAGES
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source
from distscout.sources.gitlab_lists import collect_listing, project_of


async def collect(client: UpstreamClient, project: str) -> SourceResult:
    """`project`: the numeric id (or the encoded path) the project's routes take."""
    # the subject names the project's API, host and all: where its registries serve (purls name it)
    api = client.config.base_url.rstrip("/").partition("://")[2]
    path = f"/projects/{project}/packages"
    return await collect_listing(
        client, path, GITLAB_PACKAGES, "gitlab.packages", f"{api}/projects/{project}"
    )


async def _collect(context: ScanContext) -> SourceResult:
    return await collect(context.upstreams.forge_client(context.forge), project_of(context))


SOURCE = Source(GITLAB_PACKAGES, "gitlab", _collect, needs_metadata=True, forges=frozenset({GITLAB}))
