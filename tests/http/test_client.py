from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
import stamina

from distscout.http import MemoryConditionalCache, Outcome, UpstreamClient, UpstreamConfig
from distscout.http.breaker import BreakerState, CircuitBreaker
from distscout.http.clock import FakeClock

TOKEN = "ghp_secret_token_value_1234"


@pytest.fixture(autouse=True)
def _no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler, clock: FakeClock | None = None, **config: object) -> UpstreamClient:
    settings = UpstreamConfig(name="github", base_url="https://api.upstream.test", token=TOKEN, **config)  # type: ignore[arg-type]
    return UpstreamClient(settings, clock=clock or FakeClock(), transport=httpx.MockTransport(handler))


def _sequence(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, seen


async def test_ok_json() -> None:
    handler, seen = _sequence(httpx.Response(200, json={"a": 1}))
    fetched = await _client(handler).get("/x", params={"q": "1"})
    assert fetched.outcome is Outcome.OK and fetched.data == {"a": 1}
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert seen[0].headers["user-agent"].startswith("distscout/")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, Outcome.MISS),
        (400, Outcome.PERMANENT),
        (401, Outcome.PERMANENT),
        (422, Outcome.PERMANENT),
        (500, Outcome.TRANSIENT),
        (503, Outcome.TRANSIENT),
        (429, Outcome.TRANSIENT),
    ],
)
async def test_status_classes(status: int, outcome: Outcome) -> None:
    handler, seen = _sequence(httpx.Response(status, json={"message": "x"}))
    fetched = await _client(handler).get("/x")
    assert fetched.outcome is outcome
    assert len(seen) == (3 if outcome is Outcome.TRANSIENT else 1), "only transient answers are retried"


async def test_miss_statuses_are_per_call() -> None:
    handler, _ = _sequence(httpx.Response(403, json={}))
    assert (await _client(handler).get("/x", miss_statuses=frozenset({403, 404}))).outcome is Outcome.MISS


async def test_transient_then_ok_is_retried() -> None:
    handler, seen = _sequence(httpx.Response(502), httpx.Response(200, json=[]))
    fetched = await _client(handler).get("/x")
    assert fetched.outcome is Outcome.OK and fetched.data == [] and len(seen) == 2


@pytest.mark.parametrize("body", [b"<html>oops", b'{"truncated": ', b""])
async def test_malformed_body_is_transient_never_an_exception(body: bytes) -> None:
    handler, _ = _sequence(httpx.Response(200, content=body))
    fetched = await _client(handler).get("/x")
    assert fetched.outcome is Outcome.TRANSIENT and "malformed" in fetched.error


async def test_transport_errors_are_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fetched = await _client(handler).get("/x")
    assert fetched.outcome is Outcome.TRANSIENT and fetched.error == "ConnectError"

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    assert (await _client(slow).get("/x")).error == "timeout"


async def test_retry_after_is_honoured_on_the_clock() -> None:
    clock = FakeClock()
    handler, seen = _sequence(
        httpx.Response(429, headers={"retry-after": "7"}), httpx.Response(200, json={"ok": True})
    )
    fetched = await _client(handler, clock).get("/x")
    assert fetched.outcome is Outcome.OK and len(seen) == 2
    assert clock.slept == [7.0]


async def test_spent_budget_waits_until_reset() -> None:
    clock = FakeClock()
    reset = clock.wall() + 20
    spent = httpx.Response(
        403,
        headers={
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(int(reset)),
            "x-ratelimit-limit": "5000",
        },
    )
    handler, _ = _sequence(spent, httpx.Response(200, json={}))
    client = _client(handler, clock)
    assert (await client.get("/x")).outcome is Outcome.OK
    assert clock.slept == [pytest.approx(20)]
    assert client.rate.limit == 5000


async def test_long_waits_are_not_slept_through() -> None:
    clock = FakeClock()
    handler, seen = _sequence(httpx.Response(429, headers={"retry-after": "3600"}))
    client = _client(handler, clock)
    fetched = await client.get("/x")
    assert fetched.outcome is Outcome.TRANSIENT and len(seen) == 1 and clock.slept == []
    again = await client.get("/x")  # still inside the window: no request at all
    assert again.outcome is Outcome.TRANSIENT and "rate limited" in again.error and len(seen) == 1


async def test_etag_304_is_answered_from_the_cached_body() -> None:
    handler, seen = _sequence(
        httpx.Response(200, json={"v": 1}, headers={"etag": '"abc"'}),
        httpx.Response(304, headers={"etag": '"abc"'}),
    )
    client = _client(handler)
    first = await client.get("/x")
    second = await client.get("/x")
    assert seen[1].headers["if-none-match"] == '"abc"'
    assert second.outcome is Outcome.OK and second.from_cache and second.status == 304
    assert second.data == first.data == {"v": 1} and second.body == first.body


async def test_an_upstream_without_etags_is_never_asked_conditionally() -> None:
    """deps.dev has no ETag contract: no lookup before its calls, nothing kept after them."""
    handler, seen = _sequence(httpx.Response(200, json={"v": 1}, headers={"etag": '"abc"'}))
    client = _client(handler, conditional=False)
    await client.get("/x")
    await client.get("/x")
    assert "if-none-match" not in seen[1].headers
    assert await client.cache.lookup(client._cache_key("/x", {})) is None


def test_deps_dev_is_configured_without_conditional_requests() -> None:
    from distscout.config import Settings
    from distscout.upstreams import build_upstreams

    upstreams = build_upstreams(Settings(database_url="sqlite://"))
    assert upstreams.depsdev.config.conditional is False
    assert upstreams.github.config.conditional and upstreams.ecosystems.config.conditional


async def test_unsolicited_304_is_transient_not_empty() -> None:
    handler, _ = _sequence(httpx.Response(304))
    fetched = await _client(handler).get("/x")
    assert (
        fetched.outcome is Outcome.TRANSIENT and "unsolicited 304" in fetched.error and fetched.data is None
    )


async def test_response_size_cap() -> None:
    handler, _ = _sequence(httpx.Response(200, content=b"[" + b"1," * 1000 + b"1]"))
    fetched = await _client(handler, max_bytes=100).get("/x")
    assert fetched.outcome is Outcome.PERMANENT and "too large" in fetched.error


async def test_redirects_are_followed_and_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/repos/old/name":
            return httpx.Response(301, headers={"location": "https://api.upstream.test/repos/new/name"})
        return httpx.Response(200, json={"full_name": "new/name"})

    fetched = await _client(handler).get("/repos/old/name")
    assert fetched.ok and fetched.data["full_name"] == "new/name"
    assert fetched.redirected_from == "https://api.upstream.test/repos/old/name"


async def test_tokens_never_reach_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"failed with {TOKEN}", request=request)

    caplog.set_level(logging.DEBUG)
    fetched = await _client(handler).get("/x", params={"access_token": TOKEN})
    assert TOKEN not in fetched.error and TOKEN not in fetched.url
    assert TOKEN not in caplog.text and TOKEN not in repr(fetched)
    assert TOKEN not in repr(_client(handler).config)


async def test_open_breaker_answers_without_a_request() -> None:
    clock = FakeClock()
    handler, seen = _sequence(httpx.Response(500))
    client = _client(handler, clock)
    client.breaker = CircuitBreaker("github", threshold=2, open_seconds=60, clock=clock)
    for _ in range(2):
        await client.get("/x")
    assert client.breaker.is_open
    calls = len(seen)
    assert (await client.get("/x")).outcome is Outcome.CIRCUIT_OPEN and len(seen) == calls


class TestBreaker:
    def test_opens_after_threshold_consecutive_transients(self) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker("x", threshold=3, open_seconds=100, clock=clock)
        for _ in range(2):
            breaker.record(Outcome.TRANSIENT)
        breaker.record(Outcome.MISS)  # an answer resets the count
        for _ in range(2):
            breaker.record(Outcome.TRANSIENT)
        assert breaker.state is BreakerState.CLOSED
        breaker.record(Outcome.TRANSIENT)
        assert breaker.state is BreakerState.OPEN and breaker.is_open and not breaker.allow()

    def test_half_open_allows_one_trial_then_closes_on_an_answer(self) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker("x", threshold=1, open_seconds=100, clock=clock)
        breaker.record(Outcome.TRANSIENT)
        clock.advance(100)
        assert breaker.state is BreakerState.HALF_OPEN and not breaker.is_open
        assert breaker.allow() and not breaker.allow(), "one trial call at a time"
        breaker.record(Outcome.OK)
        assert breaker.state is BreakerState.CLOSED and breaker.allow()

    def test_failed_trial_reopens_for_a_full_period(self) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker("x", threshold=1, open_seconds=100, clock=clock)
        breaker.record(Outcome.TRANSIENT)
        clock.advance(100)
        assert breaker.allow()
        breaker.record(Outcome.TRANSIENT)
        clock.advance(99)
        assert breaker.state is BreakerState.OPEN


async def test_memory_cache_is_bounded_in_bytes() -> None:
    from distscout.http.cache import CachedAnswer

    cache = MemoryConditionalCache(max_bytes=10)
    for key in "abc":
        cache.store(key, CachedAnswer('"e"', b"1234"))  # 4 bytes each: only two fit
    assert await cache.lookup("a") is None
    assert await cache.lookup("b") is not None and await cache.lookup("c") is not None
    cache.store("huge", CachedAnswer('"e"', b"x" * 11))
    assert await cache.lookup("huge") is None, "too large to keep: not kept"
    assert await cache.lookup("c") is not None


async def test_a_304_keeps_the_cached_pages_link() -> None:
    link = '<https://api.upstream.test/x?page=2>; rel="next"'
    handler, _ = _sequence(
        httpx.Response(200, json=[1], headers={"etag": '"p1"', "link": link}), httpx.Response(304)
    )
    client = _client(handler)
    await client.get("/x")
    again = await client.get("/x")
    assert again.from_cache and again.headers["link"] == link


async def test_immutable_answers_need_no_request_once_cached() -> None:
    handler, seen = _sequence(httpx.Response(200, json={"content": "eA=="}, headers={"etag": '"b1"'}))
    client = _client(handler)
    first = await client.get("/git/blobs/abc", immutable=True)
    again = await client.get("/git/blobs/abc", immutable=True)
    assert len(seen) == 1 and again.from_cache and again.data == first.data
    fresh = await client.get("/git/blobs/def", immutable=True)
    assert fresh.ok and len(seen) == 2, "nothing cached: asked as usual"


@pytest.mark.parametrize(
    ("path", "params", "sent"),
    [
        ("/x", None, "https://api.upstream.test/x"),
        ("/x", {"q": "a b&c", "page": "2"}, "https://api.upstream.test/x?q=a+b%26c&page=2"),
        (
            "/v3/systems/npm/packages/%40s%2Fp",
            {"v": "1"},
            "https://api.upstream.test/v3/systems/npm/packages/%40s%2Fp?v=1",
        ),
        ("/search?per_page=100", {"page": "2"}, "https://api.upstream.test/search?per_page=100&page=2"),
    ],
)
async def test_the_url_sent_is_the_path_with_its_params(
    path: str, params: dict[str, str] | None, sent: str
) -> None:
    """Parsed once, as one string: a quoted path stays quoted, params are encoded, and a path that holds
    its own query has the params merged into it (httpx's own joining replaced that query)."""
    handler, seen = _sequence(httpx.Response(200, json={}))
    await _client(handler).get(path, params=params)
    assert str(seen[0].url) == sent
