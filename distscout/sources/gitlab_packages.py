"""GitLab's package registry: every package of one project, of every type, in one paginated listing.

Unlike GitHub's per-owner listings, `GET /projects/:id/packages` is per repository: no filtering by
repository, one call for all types. Pages follow the `Link` header's next page (GitLab also sends
`x-next-page`, but a page answered 304 from the cache keeps only its Link); a page that fails fails the
source (a partial list is not the answer).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from distscout.forges import GITLAB
from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.interpreters.gitlab_packages import GITLAB_PACKAGES
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source, capture_of

MAX_PAGES = 20
PER_PAGE = "100"


async def collect(client: UpstreamClient, project: str) -> SourceResult:
    """`project`: the numeric id (or the encoded path) the project's routes take."""
    pages = await list_pages(client, f"/projects/{project}/packages")
    last = pages[-1]
    if not last.outcome.is_answer:
        return SourceResult(GITLAB_PACKAGES, last.outcome, detail=last.error)
    # the subject names the project's API, host and all: where its registries serve (purls name it)
    api = client.config.base_url.rstrip("/").partition("://")[2]
    subject = f"{api}/projects/{project}"
    captures = tuple(capture_of(GITLAB_PACKAGES, "gitlab.packages", page, subject=subject) for page in pages)
    listed = any(isinstance(page.data, list) and page.data for page in pages)
    return SourceResult(GITLAB_PACKAGES, Outcome.OK if listed else Outcome.MISS, captures)


async def list_pages(client: UpstreamClient, path: str) -> list[Fetched]:
    """Every page of an offset-paginated GitLab list; the last one tells how the listing ended."""
    pages: list[Fetched] = []
    page: str | None = "1"
    for _ in range(MAX_PAGES):
        fetched = await client.get(path, params={"per_page": PER_PAGE, "page": page or "1"})
        if fetched.ok and not isinstance(fetched.data, list):
            fetched = Fetched(Outcome.TRANSIENT, url=fetched.url, status=fetched.status, error="not a list")
        pages.append(fetched)
        page = next_link_param(fetched.headers.get("link", ""), "page") if fetched.ok else None
        if not page:
            return pages
    pages.append(Fetched(Outcome.TRANSIENT, url=path, error=f"more than {MAX_PAGES} pages"))
    return pages


def next_link_param(link: str, name: str) -> str | None:
    """A parameter of the `Link` header's next page (`page`, or keyset pagination's `page_token`)."""
    for part in link.split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            query = urlsplit(part[part.index("<") + 1 : part.index(">")]).query
            return parse_qs(query).get(name, [None])[0]
    return None


async def _collect(context: ScanContext) -> SourceResult:
    metadata = context.metadata
    project = metadata.project_id if metadata is not None and metadata.project_id else ""
    return await collect(context.upstreams.forge_client(context.forge), project)


SOURCE = Source(GITLAB_PACKAGES, "gitlab", _collect, needs_metadata=True, forges=frozenset({GITLAB}))
