"""GitHub release assets: the file extensions of the newest 100 releases' assets (.whl → pypi, …).

REST: one `GET /releases?per_page=100` (conditional: an unchanged list costs nothing on a rescan).
GraphQL (batched): the metadata query already lists the newest releases' ids and update times; when that
fingerprint matches the last scan's, the stored answer is reused without a request; otherwise the
releases and their asset names are asked for, with `first:` sized to the repository's release count so
the query costs (1 + releases) / 100 points. A release with more than 100 assets goes to REST.
"""

from __future__ import annotations

import hashlib
from typing import Any

from distscout.captures import Capture, utc_now
from distscout.forges import GITHUB
from distscout.http import CachedAnswer, Outcome, UpstreamClient
from distscout.interpreters.release_assets import RELEASE_ASSETS
from distscout.repos import RepoRef
from distscout.results import SourceResult
from distscout.sources import github_queries
from distscout.sources.base import ScanContext, Source, capture_of
from distscout.sources.github_graphql import GraphQLBatcher, capture_body


async def collect(client: UpstreamClient, repo: RepoRef) -> SourceResult:
    fetched = await client.get(f"/repos/{repo.owner}/{repo.name}/releases", params={"per_page": "100"})
    if not fetched.outcome.is_answer:
        return SourceResult(RELEASE_ASSETS, fetched.outcome, detail=fetched.error)
    if fetched.ok and not isinstance(fetched.data, list):
        return SourceResult(RELEASE_ASSETS, Outcome.TRANSIENT, detail="releases answer is not a list")
    return _result(capture_of(RELEASE_ASSETS, "github.releases", fetched), fetched.outcome)


async def collect_graphql(
    batcher: GraphQLBatcher, rest: UpstreamClient, repo: RepoRef, summary: Any
) -> SourceResult:
    """`summary`: the metadata query's `releases { totalCount nodes { databaseId updatedAt … } }`."""
    total = summary.get("totalCount") if isinstance(summary, dict) else None
    if not isinstance(total, int):
        return await collect(rest, repo)
    count = min(github_queries.MAX_RELEASES, total)
    request = f"POST /graphql repository({repo.full_name}) releases({count})"
    if count == 0:
        return _result(_capture(request, capture_body({"releases": {"nodes": []}})))
    key = f"github-graphql:releases:{repo.key}"
    fingerprint = hashlib.sha256(capture_body(summary)).hexdigest()
    cached = await batcher.client.cache.lookup(key)
    if cached is not None and cached.etag == fingerprint:  # the same releases as last time
        return _result(_capture(request, cached.body, from_cache=True))
    field = github_queries.repository(repo.owner, repo.name, github_queries.releases(count))
    answer = await batcher.ask("releases", field, weight=count * (1 + github_queries.MAX_ASSETS))
    if answer.outcome is Outcome.PERMANENT or (answer.ok and _more_assets(answer.data)):
        return await collect(rest, repo)
    if not answer.ok:
        return SourceResult(RELEASE_ASSETS, answer.outcome, detail=answer.error)
    body = capture_body(answer.data)
    batcher.client.cache.store(key, CachedAnswer(fingerprint, body, "application/json"))
    return _result(_capture(request, body))


def _capture(request: str, body: bytes, from_cache: bool = False) -> Capture:
    return Capture(
        RELEASE_ASSETS,
        "github.graphql.releases",
        request,
        200,
        body,
        utc_now(),
        from_cache=from_cache,
    )


def _result(capture: Capture, outcome: Outcome = Outcome.OK) -> SourceResult:
    return SourceResult(RELEASE_ASSETS, outcome, (capture,))


def _more_assets(data: object) -> bool:
    releases = data.get("releases") if isinstance(data, dict) else None
    nodes = releases.get("nodes") if isinstance(releases, dict) else None
    for node in nodes if isinstance(nodes, list) else []:
        assets = node.get("releaseAssets") if isinstance(node, dict) else None
        page = assets.get("pageInfo") if isinstance(assets, dict) else None
        if isinstance(page, dict) and page.get("hasNextPage"):
            return True
    return False


async def _collect(context: ScanContext) -> SourceResult:
    if (batcher := context.batched()) is not None and context.metadata is not None:
        return await collect_graphql(
            batcher, context.upstreams.github, context.repo, context.metadata.releases
        )
    return await collect(context.upstreams.github, context.repo)


SOURCE = Source(
    RELEASE_ASSETS, "github", _collect, needs_metadata=True, forges=frozenset({GITHUB}), runs_ahead=True
)
