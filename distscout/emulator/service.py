"""What the three emulated services share: routing, a cache of rendered answers, ETags, budgets.

A service subclass supplies its routes and its house style (error bodies, rate-limit headers, who pays);
`Service.serve` runs one request through the common steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from typing import ClassVar, Literal

from distscout.emulator.budget import Budgets, Limits, Window
from distscout.emulator.faults import Injected
from distscout.emulator.model import World
from distscout.emulator.quirks import DEFAULTS, Quirks
from distscout.emulator.replies import Call, Reply, Route, RouteTable, etag_matches, with_etag

_CACHE_BYTES = 256 * 1024 * 1024  # rendered answers kept; big trees are the ones worth keeping

Matched = tuple[Route, dict[str, str]] | None


class Service:
    name: ClassVar[str]
    etags: ClassVar[Literal["strong", "weak", "none"]] = "none"
    reports_points: ClassVar[bool] = False  # its stats carry `graphql_points` (GitHub)

    def __init__(self, world: World, limits: Limits) -> None:
        self.world = world
        self.limits = limits
        self.routes = RouteTable(self.build_routes())
        self.budgets = Budgets(aligned_to_hour=False, period=limits.hour_seconds)
        self.quirks: Quirks = DEFAULTS[self.name]
        self._cache: dict[tuple[str, ...], Reply] = {}
        self._cache_size = 0

    # -- house style, overridden per service -------------------------------------------------------------
    def build_routes(self) -> Iterable[Route]:
        """Precompute what the handlers need from the world; return the routes."""
        raise NotImplementedError

    def error(self, status: int, message: str) -> Reply:
        raise NotImplementedError

    def refusal(self, injected: Injected, window: Window | None) -> Reply:
        """The answer to an injected fault (outage, 5xx, rate limit)."""
        return self.error(injected.status, "injected fault: " + injected.kind)

    def admit(self, call: Call) -> Reply | None:
        """A refusal before routing (e.g. GitHub without a User-Agent), or None."""
        return None

    def caller_budget(self, call: Call, now: float) -> Window | None:
        return None

    def secondary_limit(self, call: Call, matched: Matched, now: float) -> Reply | None:
        """A refusal for going too fast (GitHub's points a minute), or None."""
        return None

    def over_quota(self, window: Window) -> Reply:
        return self.error(429, "rate limit exceeded")

    def quota_headers(self, window: Window) -> tuple[tuple[str, str], ...]:
        return ()

    def cost(self, reply: Reply, charged: bool) -> int:
        """Rate-limit cost of one answer: by default every answer but a 304."""
        return int(reply.status != 304)

    # -- the common steps --------------------------------------------------------------------------------
    def serve(self, call: Call, matched: Matched, now: float) -> tuple[Reply, bool]:
        """The answer to a request no fault intercepted, and whether it was charged to the caller's budget."""
        window = self.caller_budget(call, now)
        early = self.admit(call) or self.secondary_limit(call, matched, now)
        if early is not None:
            return self.decorate(early, window), False
        reply = self._render(replace(call, quota=window), matched)
        if reply.status == 200 and etag_matches(call.headers.get("if-none-match"), reply.etag):
            return self.decorate(Reply(304, etag=reply.etag, media_type=reply.media_type), window), False
        if window is None or (matched is not None and matched[0].free):
            return self.decorate(reply, window), False
        if window.exhausted:
            return self.decorate(self.over_quota(window), window), False
        window.used += 1
        return self.decorate(reply, window), True

    def refuse(self, injected: Injected, call: Call, now: float) -> Reply:
        """The answer to an injected fault; a rate-limit fault reports an empty window until it lifts."""
        window = self.caller_budget(call, now)
        if window is not None and injected.kind == "rate_limit":
            window = replace(window, used=window.limit, reset_at=math.ceil(injected.reset_at))
        return self.decorate(self.refusal(injected, window), window)

    def decorate(self, reply: Reply, window: Window | None) -> Reply:
        return reply if window is None else replace(reply, headers=reply.headers + self.quota_headers(window))

    def reset(self) -> None:
        self.budgets.clear()

    def set_quirks(self, quirks: Quirks) -> None:
        """Behave as `quirks` say from the next request on (rendered answers may differ: forget them)."""
        if quirks != self.quirks:
            self.quirks = quirks
            self._cache.clear()
            self._cache_size = 0

    def _render(self, call: Call, matched: Matched) -> Reply:
        if matched is None:
            return self.error(404, "Not Found")
        target, params = matched
        key = (target.method, call.api_base, call.path, call.query_string, call.headers.get("accept", ""))
        cached = self._cache.get(key) if target.cacheable else None
        if cached is not None:
            return cached
        reply = target.handler(replace(call, params=params))
        if reply.status == 200 and self.etags != "none":
            reply = with_etag(reply, weak=self.etags == "weak")
        if target.cacheable:
            self._remember(key, reply)
        return reply

    def _remember(self, key: tuple[str, ...], reply: Reply) -> None:
        if self._cache_size + len(reply.body) > _CACHE_BYTES:
            self._cache.clear()
            self._cache_size = 0
        self._cache[key] = reply
        self._cache_size += len(reply.body)
