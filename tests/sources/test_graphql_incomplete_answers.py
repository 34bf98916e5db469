"""A GraphQL answer that is not a whole answer is never read as absence (upstream-apis.md §3.7).

A partial answer with an error that names no path, an error inside an alias that came back, a secondary
limit answered HTTP 200: each leaves the scan to be asked again, never NOT_FOUND, never an empty repository,
never a release list replaced with nothing, never a fall back to REST for every question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import stamina

from distscout.config import Settings
from distscout.emulator.budget import Limits
from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.interpreters.manifests import MANIFESTS
from distscout.repos import parse_repo_ref
from distscout.results import ScanResult, Verdict
from distscout.scanner import scan_repo
from distscout.sources import github_queries
from distscout.sources.github_graphql import GraphQLBatcher
from distscout.sources.github_releases import collect_graphql
from distscout.upstreams import Upstreams
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import upstreams_for

Handler = Callable[[httpx.Request], httpx.Response]
REPO = parse_repo_ref("github.com/acme/widget")


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


def aliases_of(request: httpx.Request) -> list[str]:
    return re.findall(r"(r\d+): repository", json.loads(request.content)["query"])


def client_for(name: str, handler: Handler) -> UpstreamClient:
    config = UpstreamConfig(name=name, base_url="https://api.github.test", token="t", conditional=False)
    return UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(handler))


def rest_answers(request: httpx.Request) -> httpx.Response:
    """REST would say the repository exists: a GraphQL non-answer must not have decided otherwise."""
    return httpx.Response(200, json={"full_name": "acme/widget", "default_branch": "main"})


async def scan(graphql: Handler, source: str) -> ScanResult:
    upstreams = Upstreams(
        depsdev=client_for("depsdev", rest_answers),
        ecosystems=client_for("ecosystems", rest_answers),
        github=client_for("github", rest_answers),
        graphql=GraphQLBatcher(client_for("github-graphql", graphql), window=0.001),
    )
    settings = Settings(github_token="t", database_url="sqlite://", sources=(source,), pace_by_budget=False)
    try:
        return await scan_repo(upstreams, REPO, settings)
    finally:
        await upstreams.aclose()


async def test_a_null_alias_beside_an_error_naming_no_path_is_no_not_found_verdict() -> None:
    def graphql(request: httpx.Request) -> httpx.Response:
        data: dict[str, Any] = dict.fromkeys(aliases_of(request))
        data["rateLimit"] = {"cost": 1, "remaining": 4000, "resetAt": "2026-11-23T05:00:00Z"}
        error = {"type": "RESOURCE_LIMITS_EXCEEDED", "message": "Resource limits for this query exceeded."}
        return httpx.Response(200, json={"data": data, "errors": [error]})

    result = await scan(graphql, "github_packages")
    assert result.metadata_outcome is Outcome.TRANSIENT
    assert result.verdict is not Verdict.NOT_FOUND and result.verdict is not Verdict.COMPLETE


async def test_the_releases_lane_keeps_its_captures_when_its_alias_comes_back_null() -> None:
    """Metadata said the repository has releases a moment ago: a null without NOT_FOUND is no answer."""

    def graphql(request: httpx.Request) -> httpx.Response:
        message = "Something went wrong while executing your query. This may be the result of a timeout"
        return httpx.Response(
            200, json={"data": dict.fromkeys(aliases_of(request)), "errors": [{"message": message}]}
        )

    batcher = GraphQLBatcher(client_for("github-graphql", graphql), window=0.001)
    summary = {"totalCount": 3, "nodes": [{"databaseId": 1, "updatedAt": "2025-01-01T00:00:00Z"}]}
    result = await collect_graphql(batcher, client_for("github", rest_answers), REPO, summary)
    await batcher.client.aclose()
    assert result.outcome is Outcome.TRANSIENT and not result.outcome.is_answer
    assert not result.captures and "timeout" in result.detail


async def test_an_error_inside_the_metadata_alias_is_no_empty_repository() -> None:
    def graphql(request: httpx.Request) -> httpx.Response:
        data = {
            alias: {
                "nameWithOwner": "acme/widget",
                "isArchived": False,
                "owner": {"__typename": "Organization", "login": "acme"},
                "defaultBranchRef": None,  # nulled by the error below, not an empty repository
                "releases": {"totalCount": 0, "nodes": []},
            }
            for alias in aliases_of(request)
        }
        errors = [
            {"type": "SERVICE_UNAVAILABLE", "path": [alias, "defaultBranchRef"], "message": "timed out"}
            for alias in data
        ]
        return httpx.Response(200, json={"data": data, "errors": errors})

    result = await scan(graphql, "manifest")
    assert result.results[MANIFESTS].outcome is Outcome.TRANSIENT
    assert result.verdict is not Verdict.COMPLETE


async def test_the_emulators_secondary_limit_as_200_makes_the_token_wait_then_answers(
    emulator_factory: EmulatorFactory,
) -> None:
    """GraphQL over 1 point a minute, refused as GitHub's 200 form: a wait, not a rejected query (REST)."""
    clock = FakeClock()
    faults = {"github": {"quirks": {"graphql_secondary_limit_status": 200}}}
    limits = Limits(github_graphql_points_per_minute=1)
    server = emulator_factory(tiny_world(), faults, clock=clock.wall, limits=limits)
    field = github_queries.repository("acme", "widget", github_queries.METADATA)
    async with upstreams_for(server, clock=clock) as upstreams:
        batcher = upstreams.graphql
        assert batcher is not None
        assert (await batcher.ask("metadata", field)).ok
        refused = await batcher.ask("metadata", field)
        assert refused.outcome is Outcome.TRANSIENT and "secondary" in refused.error
        credential = batcher.client.tokens.credentials[0]
        assert credential.delay(clock) == pytest.approx(60)  # no retry-after: GitHub's minute
        again = await batcher.ask("metadata", field)  # the token waits the minute out, then is answered
        assert again.ok and clock.slept == [pytest.approx(60)]
        assert not batcher.unavailable
    routes = server.stats()["github"]["by_route"]
    assert routes.get("/graphql") == 3 and "/repos/{owner}/{repo}" not in routes


async def test_a_default_branch_without_its_tree_is_no_empty_repository() -> None:
    """Only a null `defaultBranchRef` says "empty repository"; a branch whose tree did not come is unread."""

    def graphql(request: httpx.Request) -> httpx.Response:
        branch = {"name": "main", "target": None}
        repository = {"nameWithOwner": "acme/widget", "defaultBranchRef": branch, "releases": {"nodes": []}}
        return httpx.Response(200, json={"data": dict.fromkeys(aliases_of(request), repository)})

    result = await scan(graphql, "manifest")
    assert result.metadata_outcome is Outcome.TRANSIENT
    assert result.results[MANIFESTS].outcome is Outcome.TRANSIENT
