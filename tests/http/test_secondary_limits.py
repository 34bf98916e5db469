"""GitHub's secondary limits: points a minute per token, and its "slow down" refusals (403 or 429, with or
without `retry-after`), which are a wait, never "no permission"."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import stamina

from distscout.config import Settings
from distscout.emulator.budget import Limits
from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.http.minute import MinuteWindow
from distscout.upstreams import (
    GITHUB_GRAPHQL_POINTS_PER_MINUTE,
    GITHUB_REST_POINTS_PER_MINUTE,
    build_upstreams,
)
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import TEST_TOKEN

SECONDARY = b'{"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}'
ABUSE = b'{"message": "You have triggered an abuse detection mechanism. Please wait a few minutes."}'


@pytest.fixture(autouse=True)
def _no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


def _client(handler: httpx.MockTransport, clock: FakeClock, **config: object) -> UpstreamClient:
    chosen = UpstreamConfig(name="github", base_url="https://api.github.test", token="t", **config)  # type: ignore[arg-type]
    return UpstreamClient(chosen, clock=clock, transport=handler)


def test_the_window_lets_points_in_as_the_oldest_leave_it() -> None:
    window = MinuteWindow(10)
    window.spend(0.0, 4)
    window.spend(20.0, 5)
    assert window.delay(30.0, 1) == 0
    assert window.delay(30.0, 2) == 30.0  # the 4 points of t=0 leave at t=60
    assert window.delay(30.0, 6) == 50.0  # and the 5 of t=20 at t=80
    assert window.delay(61.0, 5) == 0 and window.spent == 5  # the first 4 have left
    assert MinuteWindow(0).delay(0.0, 1000) == 0, "no limit"


def _timed(points_per_minute: int) -> tuple[UpstreamClient, list[float]]:
    """A client whose upstream answers at once, noting when (on the client's fake clock) each request came."""
    clock, sent = FakeClock(), []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(clock.monotonic())
        return httpx.Response(200, json={})

    return _client(httpx.MockTransport(answer), clock, points_per_minute=points_per_minute, max_wait=60), sent


async def test_requests_over_the_points_a_minute_wait_for_the_window() -> None:
    client, sent = _timed(points_per_minute=3)
    start = client.clock.monotonic()
    fetched = [await client.get(f"/r{i}") for i in range(7)]
    await client.aclose()
    assert all(f.ok for f in fetched)
    offsets = [round(t - start) for t in sent]
    assert offsets == [0, 0, 0, 60, 60, 60, 120]  # 3 points a minute, never more in any 60 seconds


async def test_concurrent_waiters_on_one_token_never_overshoot_the_window() -> None:
    client, sent = _timed(points_per_minute=2)
    fetched = await asyncio.gather(*(client.get(f"/r{i}") for i in range(6)))
    await client.aclose()
    assert all(f.ok for f in fetched)
    assert max(Counter(int((t - sent[0]) // 60) for t in sent).values()) <= 2


async def test_a_post_costs_its_write_points() -> None:
    clock = FakeClock()
    client = _client(httpx.MockTransport(lambda r: httpx.Response(200, json={})), clock, points_per_minute=9)
    await client.request("POST", "/graphql", json_body={"query": "{ viewer { login } }"})
    await client.get("/x")
    await client.aclose()
    assert client.tokens.credentials[0].minute.spent == 6  # 5 for the POST (REST's count), 1 for the GET


@pytest.mark.parametrize("status", [403, 429])
@pytest.mark.parametrize("body", [SECONDARY, ABUSE], ids=["secondary", "abuse"])
async def test_a_secondary_refusal_without_retry_after_waits_a_minute_then_longer(
    status: int, body: bytes
) -> None:
    clock = FakeClock()
    replies = iter([status, status, 200, status])

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"x-ratelimit-remaining": "4000", "x-ratelimit-reset": str(int(clock.wall()) + 3600)}
        code = next(replies)
        return httpx.Response(code, content=body if code != 200 else b"{}", headers=headers)

    client = _client(httpx.MockTransport(answer), clock, max_wait=1000)
    first = await client.get("/users/acme/packages")
    assert first.outcome is Outcome.TRANSIENT, "slow down, not 'no permission' (a 403 with budget left)"
    rate = client.tokens.credentials[0].rate
    assert rate.delay(clock) == 60
    await client.get("/users/acme/packages")  # waits the minute, and is refused again: two minutes now
    assert clock.slept == [60] and rate.delay(clock) == 120
    assert (await client.get("/x")).ok and rate.secondary_hits == 0, "an answer ends the run of refusals"
    await client.get("/y")
    assert rate.delay(clock) == 60
    await client.aclose()


async def test_a_secondary_refusal_with_retry_after_waits_what_it_says() -> None:
    clock = FakeClock()
    headers = {"retry-after": "7", "x-ratelimit-remaining": "4000"}
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(403, content=SECONDARY, headers=headers)), clock
    )
    assert (await client.get("/x")).outcome is Outcome.TRANSIENT
    assert client.tokens.credentials[0].rate.delay(clock) == 7
    await client.aclose()


async def test_a_plain_403_is_still_no_permission() -> None:
    clock = FakeClock()
    client = _client(
        httpx.MockTransport(lambda r: httpx.Response(403, json={"message": "Must have admin rights"})), clock
    )
    fetched = await client.get("/x")
    await client.aclose()
    assert fetched.outcome is Outcome.PERMANENT and client.tokens.credentials[0].rate.delay(clock) == 0


def test_github_clients_count_their_points_a_minute_per_token() -> None:
    settings = Settings(github_token=TEST_TOKEN, github_api_url="https://api.github.test")
    upstreams = build_upstreams(settings)
    assert upstreams.github.config.points_per_minute == GITHUB_REST_POINTS_PER_MINUTE
    assert upstreams.graphql is not None
    graphql = upstreams.graphql.client.config
    assert graphql.points_per_minute == GITHUB_GRAPHQL_POINTS_PER_MINUTE and graphql.write_points == 1
    assert upstreams.depsdev.config.points_per_minute == 0


async def test_the_emulators_secondary_refusal_is_a_wait_for_the_client(
    emulator_factory: EmulatorFactory,
) -> None:
    """Against the emulator (no `retry-after`): a Packages listing refused for going too fast is transient
    and its token waits a minute — not "this token cannot see packages"."""
    limits = Limits(github_rest_points_per_minute=1)
    server = emulator_factory(tiny_world(), limits=limits)
    config = UpstreamConfig(name="github", base_url=server.url_for("github"), token=TEST_TOKEN, max_wait=0)
    client = UpstreamClient(config, clock=FakeClock())
    first = await client.get("/users/acme/packages", params={"package_type": "npm"})
    second = await client.get("/users/acme/packages", params={"package_type": "pypi"})
    await client.aclose()
    assert first.outcome.is_answer and second.status == 403  # (acme is an organisation: 404 there)
    assert second.outcome is Outcome.TRANSIENT
    assert client.tokens.credentials[0].rate.delay(client.clock) == 60
