"""What an evidence source is (`Source`), what it may read (`ScanContext`), and the committed-input
record of an answered call. What a source returns is in `distscout.results`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from distscout.captures import Capture, utc_now
from distscout.forges import Forge
from distscout.http import Fetched
from distscout.repos import RepoRef
from distscout.results import RepoMetadata, SourceResult

if TYPE_CHECKING:  # the clients import the sources' batchers: only the types are needed here
    from distscout.config import Settings
    from distscout.sources.github_graphql import GraphQLBatcher
    from distscout.upstreams import Upstreams


def capture_of(
    source: str, kind: str, fetched: Fetched, subject: str = "", body: bytes | None = None
) -> Capture:
    """The committed-input record of one answered call; the request is kept without host or secrets."""
    parts = urlsplit(fetched.url)
    request = parts.path + (f"?{parts.query}" if parts.query else "")
    return Capture(
        source=source,
        kind=kind,
        request=f"GET {request}",
        # A 304 answered from the cache stands for the cached 200 body: record it as that answer.
        # (a kept answer from `get(fresh_seconds=…)` carries its own status: a kept 404 stays a 404)
        status=200 if fetched.from_cache and fetched.status in (None, 304) else fetched.status or 0,
        body=fetched.body if body is None else body,
        fetched_at=utc_now(),
        subject=subject,
        from_cache=fetched.from_cache,
    )


@dataclass(frozen=True)
class ScanContext:
    """What a source may read while it scans one repository."""

    upstreams: Upstreams
    settings: Settings
    forge: Forge  # where the repository lives
    repo: RepoRef  # the repository's current name (after renames)
    metadata: RepoMetadata | None  # the forge's answer; None when it failed or there is no such repository

    @property
    def enabled(self) -> frozenset[str]:
        return frozenset(self.settings.sources)

    def batched(self) -> GraphQLBatcher | None:
        """GitHub's GraphQL batcher, when the metadata came through it (it then carries tree and releases)."""
        from_graphql = self.metadata is not None and self.metadata.releases is not None
        return self.upstreams.graphql if from_graphql else None


def _always(context: ScanContext) -> bool:
    return True


@dataclass(frozen=True)
class Source:
    """An evidence source's collector; its interpreter (`distscout.interpreters`) has the same name."""

    name: str
    upstream: str  # the upstream client it calls: its breaker and budget are the ones that matter
    collect: Callable[[ScanContext], Awaitable[SourceResult]]
    # Reads the forge's answer (a tree, releases, the owner): when that failed, so did this source.
    needs_metadata: bool = False
    forges: frozenset[str] = frozenset()  # the kinds of forge it applies to (`distscout.forges`); empty: all
    wanted: Callable[[ScanContext], bool] = _always  # asked this time (deps.dev: only as a cross-check)
    # Its questions ride GitHub's shared GraphQL queries: run for a whole claimed chunk together, before
    # the scans start, so the queries fill whatever the worker count (`github_ahead`).
    runs_ahead: bool = False
