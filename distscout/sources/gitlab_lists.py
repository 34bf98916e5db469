"""What GitLab's per-project listings share (packages, releases): offset pages followed by the `Link`
header's next page (GitLab also sends `x-next-page`, but a page answered 304 from the cache keeps only its
Link), the project a source asks about, and a whole listing as one source's result — a page that fails
fails the source, as a partial list is not the answer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, capture_of

MAX_PAGES = 20
PER_PAGE = "100"


async def collect_listing(
    client: UpstreamClient, path: str, source: str, kind: str, subject: str
) -> SourceResult:
    """Every page of `path` as `source`'s captures: ok when it lists anything, a miss when it lists none."""
    pages = await list_pages(client, path)
    last = pages[-1]
    if not last.outcome.is_answer:
        return SourceResult(source, last.outcome, detail=last.error)
    captures = tuple(capture_of(source, kind, page, subject=subject) for page in pages)
    listed = any(isinstance(page.data, list) and page.data for page in pages)
    return SourceResult(source, Outcome.OK if listed else Outcome.MISS, captures)


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


def project_of(context: ScanContext) -> str:
    """The numeric id the project's routes take, from the forge's metadata (these sources need it)."""
    metadata = context.metadata
    return metadata.project_id if metadata is not None and metadata.project_id else ""
