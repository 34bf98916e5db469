"""One resilient client per upstream. Every call ends in a `Fetched` with one `Outcome`; none raises.

Retries (stamina, jittered exponential backoff) cover transient answers only. Waits that an upstream
asks for (Retry-After, a spent budget until its reset) go through the injectable clock; a wait longer
than `max_wait` is not slept through: the call ends `transient` and the scheduler comes back later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import stamina

from distscout.http.breaker import CircuitBreaker
from distscout.http.cache import CachedAnswer, ConditionalCache, MemoryConditionalCache
from distscout.http.clock import Clock, SystemClock
from distscout.http.outcome import Outcome, classify_status
from distscout.http.ratelimit import RateLimitState
from distscout.http.redact import redact_text, redact_url
from distscout.http.tokens import Credential, TokenPool
from distscout.http.transport import AiohttpTransport

log = logging.getLogger("distscout.http")

_KEPT_HEADERS = (
    *("content-type", "etag", "link", "location", "retry-after", "last-modified", "date"),
    *("x-oauth-scopes", "x-accepted-oauth-scopes", "github-authentication-token-expiration"),
)
MEMO_ENTRIES = 2_000  # memoized answers kept (owner listings, package details): memory stays flat
DEFAULT_USER_AGENT = "distscout/0.1 (+https://github.com/distscout/distscout)"


@dataclass(frozen=True)
class UpstreamConfig:
    name: str  # "depsdev", "ecosystems", "github"
    base_url: str
    token: str | None = field(default=None, repr=False)
    tokens: tuple[str, ...] = field(default=(), repr=False)  # a pool (GitHub): each request to one of them
    user_agent: str = DEFAULT_USER_AGENT
    default_params: tuple[tuple[str, str], ...] = ()  # e.g. (("mailto", "ops@example.org"),)
    default_headers: tuple[tuple[str, str], ...] = ()  # e.g. GitHub's Accept and API version
    timeout: float = 30.0
    attempts: int = 3
    max_bytes: int = 16 * 1024 * 1024
    # Connections kept per upstream; requests beyond them wait for a free one.
    max_connections: int = 8
    max_wait: float = 60.0  # the longest Retry-After / reset wait slept through inside one call
    conditional: bool = True  # the upstream answers If-None-Match with 304: look answers up, keep ETags
    # Secondary limit per token (GitHub: points a minute, `http/minute.py`); 0: none. A GET is 1 point,
    # another method `write_points` (REST: 5; a GraphQL query without mutations: 1).
    points_per_minute: int = 0
    write_points: int = 5
    in_flight_per_token: int = 0  # requests a token may have in flight from this client at once; 0: any
    # A header that carries a secret (ecosyste.ms' `apikey`): sent with every request, never shown.
    secret_header: tuple[str, str] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Fetched:
    """One upstream call: how it ended, and the raw answer behind it (the capture's material)."""

    outcome: Outcome
    url: str  # redacted; the final URL after redirects
    status: int | None = None  # 304 answered from the cache keeps 304 here
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    data: Any = None  # the parsed JSON of an OK answer
    error: str = ""
    from_cache: bool = False
    redirected_from: str | None = None
    elapsed: float = 0.0
    credential: str = ""  # the label of the token it went out with (http/tokens.py), never the token
    # seconds since it arrived, when another process of the fleet stored it (what is left of a memo's window)
    age: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


# Told of every call that went out: (upstream name, how it ended, seconds including retries). Metrics use it.
RequestObserver = Callable[[str, Fetched, float], None]


class _Retry(Exception):
    def __init__(self, fetched: Fetched) -> None:
        self.fetched = fetched


class UpstreamClient:
    def __init__(
        self,
        config: UpstreamConfig,
        *,
        breaker: CircuitBreaker | None = None,
        cache: ConditionalCache | None = None,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.breaker = breaker or CircuitBreaker(config.name, clock=self.clock)
        self.cache = cache if cache is not None else MemoryConditionalCache()
        self.tokens = TokenPool(
            (*((config.token,) if config.token else ()), *config.tokens),
            config.points_per_minute,
            in_flight_per_token=config.in_flight_per_token,
        )
        self._memo: dict[str, tuple[float, Fetched]] = {}
        self._inflight: dict[str, asyncio.Future[Fetched]] = {}
        self.charged = 0  # answers that count against a rate limit: everything but a 304
        self.observer: RequestObserver | None = None
        headers = {"User-Agent": config.user_agent, **dict(config.default_headers)}
        if config.secret_header is not None:
            headers[config.secret_header[0]] = config.secret_header[1]
        self._http = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            headers=headers,
            timeout=config.timeout,
            follow_redirects=True,
            transport=transport or AiohttpTransport(config.max_connections),  # the pool and its limit
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def rate(self) -> RateLimitState:
        """The budget of the client's tokens as one (one token: its own state)."""
        return self.tokens.summary()

    def budget_spent(self, fetched: Fetched) -> None:
        """The answer said the budget is spent though its status did not (GraphQL answers 200 for it):
        its token waits for its reset; the pool's other tokens go on."""
        for credential in self.tokens.credentials:
            if credential.label == fetched.credential:
                credential.rate.wait_for_reset(fetched.headers, self.clock)

    def secondary_limited(self, fetched: Fetched) -> None:
        """The answer was a secondary-limit refusal though its status did not say so (GraphQL answers 200
        for it): its token waits as for the 403 form (`retry-after`, else a minute doubling in a row)."""
        for credential in self.tokens.credentials:
            if credential.label == fetched.credential:
                credential.rate.secondary_limit(fetched.headers, self.clock, in_a_success=True)

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        miss_statuses: frozenset[int] = frozenset({404}),
        expect_json: bool = True,
        memo_seconds: float = 0.0,
        immutable: bool = False,
        fresh_seconds: float = 0.0,
        accept: Callable[[Any], bool] | None = None,
        scope: str | None = None,
    ) -> Fetched:
        """GET `path` (already percent-encoded as the upstream wants) relative to the base URL.

        With `memo_seconds`, an answer is reused for that long by every caller asking the same question:
        an owner's package listing serves all its repositories, a package's details every repo it maps to.
        With `immutable`, a cached answer is used without asking at all (a Git blob by SHA never changes).
        With `fresh_seconds`, an answer (a 200 or a miss) is kept in the shared cache and reused by every
        process for that long: a registry's word on a package name is asked once per cadence, fleet-wide;
        `accept` tells an answer in the right shape from a garbled one, which is a failure and never kept.
        `scope`: the OAuth scope the request needs, so a pool of tokens sends it with one that has it.
        """
        if fresh_seconds > 0:
            expected = _Expected(miss_statuses, expect_json, accept)
            return await self._kept(path, params, fresh_seconds, expected)
        if immutable and (known := await self._immutable_answer(path, params)) is not None:
            return known
        if memo_seconds > 0:
            return await self._memoized(path, params, memo_seconds, miss_statuses, expect_json, scope=scope)
        return await self.request(
            "GET",
            path,
            params=params,
            headers=headers,
            miss_statuses=miss_statuses,
            expect_json=expect_json,
            scope=scope,
        )

    async def _immutable_answer(self, path: str, params: Mapping[str, str] | None) -> Fetched | None:
        """A cached answer to a question that never changes (a Git object by SHA): no request at all."""
        cached = await self.cache.lookup(self._question_key(path, params))
        if cached is None:
            return None
        data = _json_or_none(cached.body)
        if data is None:
            return None
        return Fetched(
            Outcome.OK,
            url=redact_url(self._url(path)),
            status=200,
            body=cached.body,
            data=data,
            from_cache=True,
        )

    async def _kept(
        self,
        path: str,
        params: Mapping[str, str] | None,
        seconds: float,
        expected: _Expected,
    ) -> Fetched:
        key = "kept:" + self._question_key(path, params)
        return await self._once(key, lambda: self._kept_answer(key, path, params, seconds, expected))

    async def _once(self, key: str, produce: Callable[[], Awaitable[Fetched]]) -> Fetched:
        """`produce()`, unless the same question is on its way for another caller: then its answer (one
        request for concurrent scans of one owner, or of one package)."""
        running = self._inflight.get(key)
        if running is not None:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # this caller was cancelled
                return await self._once(key, produce)  # the caller that asked was cancelled: ask again
        future: asyncio.Future[Fetched] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            fetched = await produce()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved: a waiter-less failure is not logged as unhandled
            raise
        finally:
            del self._inflight[key]
        future.set_result(fetched)
        return fetched

    async def _kept_answer(
        self,
        key: str,
        path: str,
        params: Mapping[str, str] | None,
        seconds: float,
        expected: _Expected,
    ) -> Fetched:
        now = datetime.fromtimestamp(self.clock.wall(), UTC)
        kept = await self.cache.lookup(key, newer_than=now - timedelta(seconds=seconds))
        if (
            kept is not None
            and kept.stored_at is not None
            and now - kept.stored_at < timedelta(seconds=seconds)
        ):
            found = self._from_kept(path, kept, expected)
            if found is not None:
                return found
        fetched = await self.request(
            "GET", path, params=params, miss_statuses=expected.miss, expect_json=expected.json
        )
        if fetched.outcome is Outcome.OK and not expected.accepts(fetched.data):
            # an answer in the wrong shape (a garbled 200): a failure, never kept, never read
            return replace(fetched, outcome=Outcome.TRANSIENT, error="unexpected answer")
        if fetched.outcome.is_answer:  # failures are never kept
            status = 200 if fetched.from_cache else fetched.status or 200
            self.cache.store(key, CachedAnswer("", fetched.body, status=status, stored_at=now))
        return fetched

    def _from_kept(self, path: str, kept: CachedAnswer, expected: _Expected) -> Fetched | None:
        url = redact_url(self._url(path))
        if kept.status in expected.miss:
            return Fetched(Outcome.MISS, url=url, status=kept.status, body=kept.body, from_cache=True)
        data = _json_or_none(kept.body) if expected.json else None
        if expected.json and (data is None or not expected.accepts(data)):
            return None  # not a usable answer after all: ask again
        return Fetched(Outcome.OK, url=url, status=kept.status, body=kept.body, data=data, from_cache=True)

    async def _memoized(
        self,
        path: str,
        params: Mapping[str, str] | None,
        seconds: float,
        miss: frozenset[int],
        expect_json: bool,
        *,
        scope: str | None = None,
    ) -> Fetched:
        key = self._cache_key(path, params or {})
        remembered = self._memo.get(key)
        if remembered is not None and remembered[0] > self.clock.monotonic():
            return remembered[1]
        # Concurrent scans of one owner ask its listing once: the others wait for that answer.
        fetched = await self._once(
            "memo:" + key,
            lambda: self._shared_or_asked(path, params, seconds, _Expected(miss, expect_json), scope=scope),
        )
        if fetched.outcome.is_answer:  # failures are never remembered
            # a window from when the answer arrived: one another process stored has spent part of it
            self._memo[key] = (self.clock.monotonic() + seconds - fetched.age, fetched)
            if len(self._memo) > MEMO_ENTRIES:
                self._memo.pop(next(iter(self._memo)))
        return fetched

    async def _shared_or_asked(
        self,
        path: str,
        params: Mapping[str, str] | None,
        seconds: float,
        expected: _Expected,
        *,
        scope: str | None,
    ) -> Fetched:
        """The answer another process of the fleet stored within `seconds` (its conditional cache entry),
        else the request: an owner's listing is asked once a window fleet-wide, not once per machine.

        Only for a process that could have asked it itself: one with a token known to have `scope` (a
        machine whose tokens cannot read Packages says `not_visible`, not another machine's listing). An
        answer it asks is written for the fleet at once, not with the next batch of cached answers."""
        key = self._question_key(path, params)
        now = datetime.fromtimestamp(self.clock.wall(), UTC)
        window = timedelta(seconds=seconds)
        # a copy this process holds from before the window is read again: another may have a newer one
        stored = await self.cache.lookup(key, newer_than=now - window) if self.config.conditional else None
        if (
            stored is not None
            and stored.stored_at is not None
            and now - stored.stored_at < window
            and self.tokens.known_to_have(scope)
        ):
            data = _json_or_none(stored.body) if expected.json else None
            if data is not None or not expected.json:
                return Fetched(
                    Outcome.OK,
                    url=redact_url(self._url(path)),
                    status=200,
                    headers={"link": stored.link} if stored.link else {},
                    body=stored.body,
                    data=data,
                    from_cache=True,
                    age=max(0.0, (now - stored.stored_at).total_seconds()),
                )
        fetched = await self.request(
            "GET", path, params=params, miss_statuses=expected.miss, expect_json=expected.json, scope=scope
        )
        if fetched.ok and self.config.conditional:
            if stored is not None and fetched.status == 304:  # confirmed: a new window for all
                renewed = datetime.fromtimestamp(self.clock.wall(), UTC)
                self.cache.store(key, replace(stored, stored_at=renewed))
            self.cache.share(key)
        return fetched

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        miss_statuses: frozenset[int] = frozenset({404}),
        expect_json: bool = True,
        scope: str | None = None,
        using: str | None = None,
    ) -> Fetched:
        """One call. `using`: the label of the pool's token to send it with (`doctor` asks each)."""
        if not self.breaker.allow():
            return Fetched(Outcome.CIRCUIT_OPEN, url=redact_url(self._url(path)), error="circuit open")
        call = _Call(
            method,
            path,
            {**dict(self.config.default_params), **(params or {})},
            dict(headers or {}),
            json_body,
            miss_statuses,
            expect_json,
            scope=scope,
            using=using,
        )
        started = time.perf_counter()
        fetched = await self._with_retries(call)
        self.breaker.record(fetched.outcome)
        if self.observer is not None:
            self.observer(self.config.name, fetched, time.perf_counter() - started)
        log.debug("%s %s %s -> %s %s", self.config.name, method, fetched.url, fetched.status, fetched.outcome)
        return fetched

    async def _with_retries(self, call: _Call) -> Fetched:
        fetched = await self._attempt(call)
        if not _retryable(fetched):
            return fetched
        # Retried by stamina from here: its backoff, its attempts, the one made counted as its first. Most
        # calls need no retry, and setting stamina up costs more CPU than the rest of a request's own work.
        failed: Fetched | None = fetched
        try:
            async for attempt in stamina.retry_context(
                on=_Retry, attempts=self.config.attempts, timeout=None, wait_initial=0.5, wait_max=10.0
            ):
                with attempt:
                    if failed is not None:
                        first, failed = failed, None
                        raise _Retry(first)
                    fetched = await self._attempt(call)
                    if _retryable(fetched):
                        raise _Retry(fetched)
                    return fetched
        except _Retry as exhausted:
            return exhausted.fetched
        raise AssertionError("unreachable: stamina yields at least one attempt")  # pragma: no cover

    async def _attempt(self, call: _Call) -> Fetched:
        """One attempt; sent again with another token when the pool's token is refused as bad credentials
        (each time one token fewer: it ends)."""
        while True:
            fetched = await self._attempt_once(call)
            credential = call.credential
            if fetched.status != 401 or credential is None or call.using is not None:
                return fetched
            if not _bad_credentials(fetched.body) or not self.tokens.refuse(credential):
                return fetched

    async def _attempt_once(self, call: _Call) -> Fetched:
        points = 1 if call.method in ("GET", "HEAD", "OPTIONS") else self.config.write_points
        call.credential = credential = await self.tokens.take(self.clock, call.scope, call.using, points)
        try:
            return await self._attempt_with(call, credential, points)
        finally:
            self.tokens.give_back(credential)

    async def _attempt_with(self, call: _Call, credential: Credential, points: int) -> Fetched:
        # Waited out until it may go (others waiting on the same token may have gone first: look again).
        while (wait := credential.delay(self.clock, points)) > 0:
            if wait > self.config.max_wait:
                # the upstream asked for a long pause: no retry here, the scheduler comes back later
                return Fetched(
                    Outcome.TRANSIENT,
                    url=redact_url(self._url(call.path)),
                    error="rate limited: wait too long",
                )
            await self.clock.sleep(wait)
        credential.spend(self.clock, points)
        call.cache_key = self._cache_key(call.path, call.params)
        conditional = call.method == "GET" and self.config.conditional
        call.cached = await self.cache.lookup(call.cache_key) if conditional else None
        if call.cached is not None:
            call.headers["If-None-Match"] = call.cached.etag
        started = time.perf_counter()
        try:
            response, body = await self._send(call)
        except _TooLarge as exc:
            return Fetched(Outcome.PERMANENT, url=redact_url(self._url(call.path)), error=str(exc))
        except httpx.TimeoutException:
            return Fetched(Outcome.TRANSIENT, url=redact_url(self._url(call.path)), error="timeout")
        except httpx.HTTPError as exc:  # transport errors, too many redirects, bad URLs
            error = redact_text(f"{type(exc).__name__}", self._secrets())
            return Fetched(Outcome.TRANSIENT, url=redact_url(self._url(call.path)), error=error)
        if response.status_code != 304:
            self.charged += 1
        return self._interpret(call, response, body, time.perf_counter() - started)

    async def _send(self, call: _Call) -> tuple[httpx.Response, bytes]:
        headers = call.headers
        if call.credential is not None and call.credential.token:
            headers = {**headers, "Authorization": f"Bearer {call.credential.token}"}
        # The whole URL parsed once: httpx parses a path and its params two more times as it joins them.
        # A path holding its own query (or a fragment) has the params merged into it (httpx's own joining
        # replaced that query; no caller sends one: a next-page link's query is split off first).
        if not call.params:
            url = httpx.URL(self._url(call.path))
        elif "?" in call.path or "#" in call.path:
            url = httpx.URL(self._url(call.path)).copy_merge_params(call.params)
        else:
            url = httpx.URL(f"{self._url(call.path)}?{httpx.QueryParams(call.params)}")
        request = self._http.build_request(call.method, url, headers=headers, json=call.json_body)
        response = await self._http.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.config.max_bytes:
                raise _TooLarge(f"response too large: {declared} bytes")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.config.max_bytes:
                    raise _TooLarge(f"response too large: over {self.config.max_bytes} bytes")
                chunks.append(chunk)
            return response, b"".join(chunks)
        finally:
            await response.aclose()

    def _interpret(self, call: _Call, response: httpx.Response, body: bytes, elapsed: float) -> Fetched:
        headers = {
            k: v
            for k, v in response.headers.items()
            if k in _KEPT_HEADERS or k.startswith(("x-ratelimit", "ratelimit"))  # GitLab spells it without x-
        }
        url = redact_url(str(response.url))
        redirected = redact_url(str(response.history[0].url)) if response.history else None
        common: dict[str, Any] = {
            "url": url,
            "status": response.status_code,
            "headers": headers,
            "redirected_from": redirected,
            "elapsed": elapsed,
            "credential": call.credential.label if call.credential is not None else "",
        }
        cached = call.cached
        credential = call.credential or self.tokens.credentials[0]
        credential.observe_scopes(response.headers)  # a 304 says them too: a rescan learns them as well
        if response.status_code == 304:
            if cached is None:  # an answer to a question we did not ask: never read it as "empty"
                return Fetched(Outcome.TRANSIENT, error="unsolicited 304 (no cached body)", **common)
            if cached.link:  # the 304 carries no Link header; the cached page still has its next page
                common["headers"] = {**headers, "link": cached.link}
            return Fetched(
                Outcome.OK, body=cached.body, data=_json_or_none(cached.body), from_cache=True, **common
            )
        rate_limited = credential.rate.observe(response.status_code, response.headers, self.clock)
        if response.status_code in (403, 429) and _secondary_limit(body):  # not "no permission"
            credential.rate.secondary_limit(response.headers, self.clock)
            rate_limited = True
        outcome = classify_status(response.status_code, call.miss_statuses, rate_limited)
        if outcome is not Outcome.OK:
            return Fetched(outcome, body=body, error=f"HTTP {response.status_code}", **common)
        data = _json_or_none(body) if call.expect_json else None
        if call.expect_json and data is None:
            return Fetched(Outcome.TRANSIENT, body=body, error="malformed JSON body", **common)
        etag = response.headers.get("etag")
        if etag and call.method == "GET" and self.config.conditional:
            self.cache.store(
                call.cache_key,
                CachedAnswer(
                    etag,
                    body,
                    response.headers.get("content-type", ""),
                    response.headers.get("link", ""),
                    stored_at=datetime.fromtimestamp(self.clock.wall(), UTC),  # its age: see _shared_or_asked
                ),
            )
        return Fetched(Outcome.OK, body=body, data=data, **common)

    def _question_key(self, path: str, params: Mapping[str, str] | None) -> str:
        """The cache key of a GET as it goes out: the configured default parameters included."""
        return self._cache_key(path, {**dict(self.config.default_params), **(params or {})})

    def _cache_key(self, path: str, params: Mapping[str, str]) -> str:
        """The conditional cache's key: the URL with its (complete) query, in a stable order."""
        return self._url(path) + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))

    def _url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    def _secrets(self) -> tuple[str, ...]:
        secret = (self.config.secret_header[1],) if self.config.secret_header else ()
        return (*self.tokens.secrets(), *secret)


def _retryable(fetched: Fetched) -> bool:
    """A transient failure worth another attempt now (a long rate-limit wait is the scheduler's)."""
    return fetched.outcome is Outcome.TRANSIENT and fetched.error != "rate limited: wait too long"


def _secondary_limit(body: bytes) -> bool:
    """GitHub's refusal for its secondary limits, as it words it now and as it did ("abuse detection"):
    a 403 that means "slow down", not "no permission" — whether or not it says `retry-after`."""
    said = body[:2048].lower()
    return b"secondary rate limit" in said or b"abuse detection" in said


@dataclass(frozen=True)
class _Expected:
    """What a kept question expects: the statuses that mean "no such thing", JSON, and its shape."""

    miss: frozenset[int]
    json: bool
    accept: Callable[[Any], bool] | None = None

    def accepts(self, data: Any) -> bool:
        return self.accept is None or self.accept(data)


@dataclass
class _Call:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    json_body: Any
    miss_statuses: frozenset[int]
    expect_json: bool
    cache_key: str = ""
    cached: CachedAnswer | None = None
    scope: str | None = None  # an OAuth scope the request needs (GitHub Packages: read:packages)
    using: str | None = None  # a token's label: send it with that one
    credential: Credential | None = None


class _TooLarge(Exception):
    pass


def _bad_credentials(body: bytes) -> bool:
    """GitHub's answer to a token it does not know (revoked, expired, mistyped), on REST and GraphQL alike."""
    answer = _json_or_none(body)
    return isinstance(answer, dict) and answer.get("message") == "Bad credentials"


def _json_or_none(body: bytes) -> Any:
    """The parsed body; None when it is not JSON (a JSON `null` body is not an answer either)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
