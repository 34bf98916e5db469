"""The GraphQL batcher: concurrent questions share one query; each gets its own answer and outcome."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.sources import github_queries
from distscout.sources.github_graphql import GraphQLBatcher

Responder = Callable[[list[str]], httpx.Response]


def batcher_for(respond: Responder, seen: list[str]) -> GraphQLBatcher:
    def handler(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        seen.append(query)
        return respond(re.findall(r"(r\d+): repository", query))

    config = UpstreamConfig(name="github-graphql", base_url="https://api.example", token="t", attempts=2)
    client = UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(handler))
    return GraphQLBatcher(client, window=0.001)


def field(name: str) -> str:
    return github_queries.repository("acme", name, github_queries.METADATA)


def data_answer(aliases: list[str], **extra: Any) -> httpx.Response:
    data: dict[str, Any] = {alias: {"nameWithOwner": f"acme/{alias}"} for alias in aliases}
    data["rateLimit"] = {"cost": 1, "remaining": 4999, "resetAt": "2026-11-23T05:00:00Z"}
    return httpx.Response(200, json={"data": data, **extra})


async def ask_all(batcher: GraphQLBatcher, names: list[str], lane: str = "metadata") -> list[Any]:
    return list(await asyncio.gather(*(batcher.ask(lane, field(n)) for n in names)))


async def test_concurrent_questions_share_one_query_and_get_their_own_answers() -> None:
    seen: list[str] = []
    batcher = batcher_for(data_answer, seen)
    answers = await ask_all(batcher, [f"repo{i}" for i in range(5)])
    assert len(seen) == 1
    assert seen[0].count("repository(") == 5 and "rateLimit { cost remaining resetAt }" in seen[0]
    assert [a.data["nameWithOwner"] for a in answers] == [f"acme/r{i}" for i in range(5)]
    assert all(a.outcome is Outcome.OK for a in answers)
    assert batcher.queries == 1 and batcher.points == 1


async def test_a_lane_is_split_at_its_limit() -> None:
    seen: list[str] = []
    batcher = batcher_for(data_answer, seen)
    answers = await ask_all(batcher, [f"repo{i}" for i in range(60)])
    assert sorted(q.count("repository(") for q in seen) == [10, 50]
    assert all(a.ok for a in answers)


async def test_not_found_is_a_miss_for_that_alias_only() -> None:
    def respond(aliases: list[str]) -> httpx.Response:
        error = {"type": "NOT_FOUND", "path": ["r1"], "message": "Could not resolve to a Repository"}
        response = data_answer(aliases, errors=[error])
        payload = json.loads(response.content)
        payload["data"]["r1"] = None
        return httpx.Response(200, json=payload)

    answers = await ask_all(batcher_for(respond, []), ["a", "b", "c"])
    assert [a.outcome for a in answers] == [Outcome.OK, Outcome.MISS, Outcome.OK]
    assert "Could not resolve" in answers[1].error


async def test_another_alias_error_is_transient_for_that_alias() -> None:
    def respond(aliases: list[str]) -> httpx.Response:
        payload = json.loads(data_answer(aliases).content)
        payload["data"]["r0"] = None
        payload["errors"] = [{"type": "SERVICE_UNAVAILABLE", "path": ["r0"], "message": "timeout"}]
        return httpx.Response(200, json=payload)

    answers = await ask_all(batcher_for(respond, []), ["a", "b"])
    assert [a.outcome for a in answers] == [Outcome.TRANSIENT, Outcome.OK]


async def test_a_rejected_query_is_permanent_so_the_caller_uses_rest() -> None:
    def respond(aliases: list[str]) -> httpx.Response:
        return httpx.Response(
            200, json={"errors": [{"message": "Field 'x' doesn't exist on type 'Repository'"}]}
        )

    answers = await ask_all(batcher_for(respond, []), ["a", "b"])
    assert {a.outcome for a in answers} == {Outcome.PERMANENT}
    assert "doesn't exist" in answers[0].error


async def test_a_spent_budget_is_transient_and_the_client_waits_for_the_reset() -> None:
    reset = 1_900_000_000

    def respond(aliases: list[str]) -> httpx.Response:
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
        body = {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}
        return httpx.Response(200, json=body, headers=headers)

    batcher = batcher_for(respond, [])
    answers = await ask_all(batcher, ["a"])
    assert answers[0].outcome is Outcome.TRANSIENT
    clock = batcher.client.clock
    assert batcher.client.rate.remaining == 0
    assert batcher.client.rate.delay(clock) == pytest.approx(reset - clock.wall())


async def test_a_server_error_fails_every_question_of_the_query_transiently() -> None:
    seen: list[str] = []
    batcher = batcher_for(lambda aliases: httpx.Response(502), seen)
    answers = await ask_all(batcher, ["a", "b"])
    assert {a.outcome for a in answers} == {Outcome.TRANSIENT}
    assert len(seen) == 2  # one query, retried once (attempts=2), never split per repository


async def test_no_graphql_endpoint_sends_everything_to_rest_from_then_on() -> None:
    seen: list[str] = []
    batcher = batcher_for(lambda aliases: httpx.Response(404, json={"message": "Not Found"}), seen)
    first = await ask_all(batcher, ["a"])
    second = await ask_all(batcher, ["b"])
    assert first[0].outcome is second[0].outcome is Outcome.PERMANENT
    assert len(seen) == 1


async def test_points_reported_by_github_are_charged_for_pacing() -> None:
    def respond(aliases: list[str]) -> httpx.Response:
        payload = json.loads(data_answer(aliases).content)
        payload["data"]["rateLimit"]["cost"] = 7
        return httpx.Response(200, json=payload)

    batcher = batcher_for(respond, [])
    await ask_all(batcher, ["a", "b"], lane="releases")
    assert batcher.points == 7 and batcher.client.charged == 7


def null_aliases(
    aliases: list[str], errors: list[dict[str, Any]], keep: tuple[str, ...] = ()
) -> httpx.Response:
    """A partial answer: every alias but `keep` null, with these errors."""
    payload = json.loads(data_answer(aliases).content)
    for alias in aliases:
        if alias not in keep:
            payload["data"][alias] = None
    return httpx.Response(200, json={**payload, "errors": errors})


RESOURCE_LIMITS = {"type": "RESOURCE_LIMITS_EXCEEDED", "message": "Resource limits for this query exceeded."}
TIMEOUT = {"message": "Something went wrong while executing your query. This may be the result of a timeout"}


@pytest.mark.parametrize("error", [RESOURCE_LIMITS, TIMEOUT], ids=["resource-limits", "timeout"])
async def test_an_alias_nulled_beside_an_error_naming_no_path_is_transient_not_a_miss(
    error: dict[str, Any],
) -> None:
    """GitHub's partial results plus an error of the whole query (upstream-apis.md §3.7): the nulls say
    nothing of the repositories; nor can an alias that came back be trusted whole."""
    answers = await ask_all(
        batcher_for(lambda a: null_aliases(a, [error], keep=("r2",)), []), ["a", "b", "c"]
    )
    assert [a.outcome for a in answers] == [Outcome.TRANSIENT] * 3
    assert str(error["message"]) in answers[0].error


async def test_only_not_found_at_the_alias_path_is_a_miss() -> None:
    not_found = {"type": "NOT_FOUND", "path": ["r1"], "message": "Could not resolve to a Repository"}
    elsewhere = {"type": "NOT_FOUND", "path": ["r2", "owner"], "message": "Could not resolve to a User"}

    def respond(aliases: list[str]) -> httpx.Response:
        return null_aliases(aliases, [not_found, elsewhere])  # r0: null with no error at all

    answers = await ask_all(batcher_for(respond, []), ["a", "b", "c"])
    assert [a.outcome for a in answers] == [Outcome.TRANSIENT, Outcome.MISS, Outcome.TRANSIENT]
    assert "null without an error" in answers[0].error
    assert "Could not resolve to a Repository" in answers[1].error


@pytest.mark.parametrize("kind", ["SERVICE_UNAVAILABLE", "NOT_FOUND", None])
async def test_an_error_inside_an_alias_that_came_back_is_transient(kind: str | None) -> None:
    """A sub-field nulled by an error (`defaultBranchRef` would read as an empty repository) is no answer."""

    def respond(aliases: list[str]) -> httpx.Response:
        payload = json.loads(data_answer(aliases).content)
        payload["data"]["r0"]["defaultBranchRef"] = None
        error = {"path": ["r0", "defaultBranchRef"], "message": "Something went wrong"}
        payload["errors"] = [{**error, "type": kind} if kind else error]
        return httpx.Response(200, json=payload)

    answers = await ask_all(batcher_for(respond, []), ["a", "b"])
    assert [a.outcome for a in answers] == [Outcome.TRANSIENT, Outcome.OK]
    assert answers[0].data is None and "Something went wrong" in answers[0].error


SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
ABUSE = "You have triggered an abuse detection mechanism. Please wait a few minutes before you try again."


def secondary_200(body: dict[str, Any], headers: dict[str, str], sent: list[int]) -> GraphQLBatcher:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(1)
        return httpx.Response(200, json=body, headers={"x-ratelimit-remaining": "4000", **headers})

    config = UpstreamConfig(name="github-graphql", base_url="https://api.example", token="t")
    client = UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(handler))
    return GraphQLBatcher(client, window=0.001)


@pytest.mark.parametrize(
    "body",
    [{"errors": [{"message": SECONDARY}]}, {"errors": [{"message": ABUSE}]}, {"message": SECONDARY}],
    ids=["errors", "abuse-detection", "top-level-message"],
)
async def test_a_secondary_limit_answered_200_is_transient_and_the_token_waits_its_retry_after(
    body: dict[str, Any],
) -> None:
    sent: list[int] = []
    batcher = secondary_200(body, {"retry-after": "120"}, sent)
    first = await ask_all(batcher, ["a", "b"])
    assert {a.outcome for a in first} == {Outcome.TRANSIENT}, "not a rejected query: REST is not asked"
    assert "secondary rate limit" in first[0].error
    clock, credential = batcher.client.clock, batcher.client.tokens.credentials[0]
    assert credential.delay(clock) == pytest.approx(120)
    again = await ask_all(batcher, ["c"])  # 120 s is more than the client sleeps through: not sent
    assert again[0].outcome is Outcome.TRANSIENT and len(sent) == 1


async def test_a_secondary_limit_answered_200_without_retry_after_waits_a_minute_doubling() -> None:
    sent: list[int] = []
    batcher = secondary_200({"errors": [{"message": SECONDARY}]}, {}, sent)
    clock, credential = batcher.client.clock, batcher.client.tokens.credentials[0]
    await ask_all(batcher, ["a"])
    assert credential.delay(clock) == pytest.approx(60)
    await ask_all(batcher, ["b"])  # waits the minute out (the fake clock), then refused again
    assert isinstance(clock, FakeClock) and clock.slept == [pytest.approx(60)] and len(sent) == 2
    assert credential.delay(clock) == pytest.approx(120)
