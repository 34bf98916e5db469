"""`UpstreamClient.get(fresh_seconds=…)`: an answer (a 404 too) kept and reused while fresh, by every
caller; failures and garbled answers never kept; identical questions in flight joined."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina

from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock

DAY = 86_400.0


@pytest.fixture(autouse=True)
def _no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


class Upstream:
    """Answers from a list (the last one repeats), counting the requests."""

    def __init__(self, *answers: httpx.Response, gate: asyncio.Event | None = None) -> None:
        self.answers, self.seen, self.gate = list(answers), 0, gate

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.gate is not None:
            await self.gate.wait()
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _client(upstream: Upstream, clock: FakeClock) -> UpstreamClient:
    config = UpstreamConfig(name="depsdev", base_url="https://api.upstream.test", conditional=False)
    return UpstreamClient(config, clock=clock, transport=httpx.MockTransport(upstream))


def _has_name(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("name"), str)


async def test_a_kept_404_is_replayed_until_it_is_stale() -> None:
    clock = FakeClock()
    upstream = Upstream(httpx.Response(404, json={"message": "not found"}))
    client = _client(upstream, clock)
    first = await client.get("/p/widget", fresh_seconds=DAY)
    again = await client.get("/p/widget", fresh_seconds=DAY)
    assert (first.outcome, again.outcome, again.status, again.from_cache) == (
        Outcome.MISS,
        Outcome.MISS,
        404,
        True,
    )
    assert upstream.seen == 1
    clock.advance(DAY + 1)
    await client.get("/p/widget", fresh_seconds=DAY)
    assert upstream.seen == 2, "stale: asked again"


async def test_failures_and_garbled_answers_are_never_kept() -> None:
    upstream = Upstream(
        httpx.Response(503, text="down"),
        httpx.Response(200, json={"unexpected": True}),
        httpx.Response(200, json={"name": "widget"}),
    )
    client = _client(upstream, FakeClock())
    failed = await client.get("/p/widget", fresh_seconds=DAY, accept=_has_name)
    garbled = await client.get("/p/widget", fresh_seconds=DAY, accept=_has_name)
    good = await client.get("/p/widget", fresh_seconds=DAY, accept=_has_name)
    kept = await client.get("/p/widget", fresh_seconds=DAY, accept=_has_name)
    assert (failed.outcome, garbled.outcome, good.outcome) == (
        Outcome.TRANSIENT,
        Outcome.TRANSIENT,
        Outcome.OK,
    )
    assert garbled.error == "unexpected answer"
    assert kept.from_cache and kept.data == {"name": "widget"} and upstream.seen == 3


async def test_identical_questions_in_flight_share_one_request() -> None:
    gate = asyncio.Event()
    upstream = Upstream(httpx.Response(200, json={"name": "widget"}), gate=gate)
    client = _client(upstream, FakeClock())
    asked = [asyncio.create_task(client.get("/p/widget", fresh_seconds=DAY)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    answers = await asyncio.gather(*asked)
    assert upstream.seen == 1 and all(a.data == {"name": "widget"} for a in answers)


async def test_a_cancelled_asker_does_not_cancel_those_who_joined_it() -> None:
    gate = asyncio.Event()
    upstream = Upstream(httpx.Response(200, json={"name": "widget"}), gate=gate)
    client = _client(upstream, FakeClock())
    owner = asyncio.create_task(client.get("/p/widget", fresh_seconds=DAY))
    await asyncio.sleep(0.01)  # the owner's request is on its way
    joined = asyncio.create_task(client.get("/p/widget", fresh_seconds=DAY))
    await asyncio.sleep(0.01)
    owner.cancel()
    await asyncio.sleep(0.01)
    gate.set()
    answer = await joined
    assert owner.cancelled() and answer.outcome is Outcome.OK and answer.data == {"name": "widget"}
