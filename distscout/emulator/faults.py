"""Fault plans: reproducible upstream misbehaviour for tests and benchmarks.

A plan is a JSON object (a file, or a dict) with one optional entry per service and an optional seed:

    {
      "seed": 42,
      "github": {
        "error_rate": 0.1,
        "latency_ms": 50,
        "outages": [[10, 20], [60, 65.5]],
        "rate_limit": {"after": 100, "status": 429, "retry_after_s": 60},
        "malformed_rate": 0.05,
        "seed": 7
      },
      "depsdev": {"error_rate": 0.5},
      "ecosystems": {"rate_limit": 1000}
    }

Per service (`depsdev`, `ecosystems`, `github`), every field optional:
- `error_rate` (0..1): share of requests answered with a 5xx (500, 502 or 503).
- `latency_ms` (>= 0): delay added before every answer.
- `outages`: `[start_s, end_s]` windows, seconds since the emulator started (start inclusive, end
  exclusive); every request inside one is answered 503.
- `rate_limit`: `{"after": N, "status": S, "retry_after_s": T}` or just `N`. After N requests (counted since
  the plan was installed or the emulator was reset) every request is refused for T seconds (default 60),
  then another N pass. GitHub answers S (403, the default, or 429) with `x-ratelimit-remaining: 0`,
  `x-ratelimit-reset` and `retry-after`; ecosyste.ms answers 429 with its `x-ratelimit-*` headers and no
  `retry-after`; deps.dev answers 429.
- `malformed_rate` (0..1): share of 200 answers whose body is cut short, so it is no longer JSON.
- Connection-level faults, each a share of 200 answers (together with `malformed_rate` at most 1):
  `html_rate` (a 200 whose body is an HTML error page, as a proxy or a captive portal sends),
  `reset_rate` (the headers promise the whole body, half of it is sent, then the connection is dropped),
  `drip_rate` (the body dribbles out in 256-byte pieces, `drip_ms` apart; default 50),
  `garbage_rate` (the status line is not HTTP at all).
- `routes`: `{"path prefix": {…}}`, the same fields (but `routes` and `quirks`) for the requests whose
  path (after the service's prefix, e.g. `/repos/`) starts with that prefix; the longest prefix wins, and
  its own random stream and rate-limit window replace the service's for those requests.
- `seed` (integer or string): overrides the top-level `seed` (default 0) for this service.
- `quirks`: how the service behaves where it departs from its documents or a deployment differs
  (quirks.py); the defaults are the real services' behaviour.

Each service draws from its own random stream, seeded by (seed, service name), three draws per request, so the
same requests in the same order meet the same faults. Outage and rate-limit windows read an injectable clock
(`Clock`, epoch seconds): tests pass a `ManualClock` and advance it instead of sleeping.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from distscout.emulator.checks import FormatError, Where, as_int, as_list, as_number, as_object, describe
from distscout.emulator.quirks import DEFAULTS, Quirks, parse_quirks

SERVICES = ("depsdev", "ecosystems", "github", "gitlab")
_ROUTE_FIELDS = (
    "error_rate",
    "latency_ms",
    "outages",
    "rate_limit",
    "malformed_rate",
    "html_rate",
    "reset_rate",
    "drip_rate",
    "drip_ms",
    "garbage_rate",
    "seed",
)
_SERVICE_FIELDS = (*_ROUTE_FIELDS, "quirks", "routes")
ConnectionFault = Literal["cut", "html", "reset", "drip", "garbage"]
_ERROR_STATUSES = (500, 502, 503)

Clock = Callable[[], float]


class FaultPlanError(FormatError):
    """A fault plan that does not follow the documented format."""


class ManualClock:
    """A clock that only moves when told to: outage and rate-limit tests without sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True, slots=True)
class RateLimitFault:
    after: int
    status: int
    retry_after_s: float


@dataclass(frozen=True, slots=True)
class ServiceFaults:
    error_rate: float = 0.0
    latency_ms: float = 0.0
    outages: tuple[tuple[float, float], ...] = ()
    rate_limit: RateLimitFault | None = None
    malformed_rate: float = 0.0
    seed: int | str = 0
    quirks: Quirks | None = None  # None: the service's defaults (quirks.DEFAULTS)
    html_rate: float = 0.0
    reset_rate: float = 0.0
    drip_rate: float = 0.0
    drip_ms: float = 50.0
    garbage_rate: float = 0.0
    routes: Mapping[str, ServiceFaults] = field(default_factory=dict)  # path prefix -> its own faults

    def for_path(self, path: str) -> tuple[str, ServiceFaults]:
        """The faults for a request path: the longest matching route prefix's, else the service's ("")."""
        matching = [prefix for prefix in self.routes if path.startswith(prefix)]
        if not matching:
            return "", self
        prefix = max(matching, key=len)
        return prefix, self.routes[prefix]


@dataclass(frozen=True, slots=True)
class FaultPlan:
    services: Mapping[str, ServiceFaults] = field(default_factory=dict)

    def for_service(self, service: str) -> ServiceFaults:
        return self.services.get(service, ServiceFaults())

    def quirks_for(self, service: str) -> Quirks:
        return self.for_service(service).quirks or DEFAULTS[service]


FaultsInput = FaultPlan | Mapping[str, Any] | str | os.PathLike[str] | None


def load_fault_plan(source: FaultsInput) -> FaultPlan:
    """A plan from a FaultPlan, a dict, a JSON file path, or None (no faults)."""
    if source is None:
        return FaultPlan()
    if isinstance(source, FaultPlan):
        return source
    if isinstance(source, Mapping):
        return parse_fault_plan(source)
    path = Path(source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FaultPlanError(f"{path.name}: not readable JSON: {exc}") from None
    return parse_fault_plan(data, path.name)


def parse_fault_plan(data: Any, file: str = "faults") -> FaultPlan:
    where = Where(file, error=FaultPlanError)
    plan = as_object(data, where, required=(), optional=(*SERVICES, "seed"))
    seed = _seed(plan.get("seed", 0), where.key("seed"))
    return FaultPlan(
        {name: _parse_service(plan[name], where.key(name), name, seed) for name in SERVICES if name in plan}
    )


def _parse_service(
    raw: Any, where: Where, service: str, default_seed: int | str, fields: tuple[str, ...] = _SERVICE_FIELDS
) -> ServiceFaults:
    faults = as_object(raw, where, required=(), optional=fields)
    rate = {
        name: as_number(faults.get(name, 0), where.key(name), 0, 1)
        for name in ("malformed_rate", "html_rate", "reset_rate", "drip_rate", "garbage_rate")
    }
    if sum(rate.values()) > 1:
        where.fail("malformed_rate, html_rate, reset_rate, drip_rate and garbage_rate add up to more than 1")
    seed = _seed(faults.get("seed", default_seed), where.key("seed"))
    routes = faults.get("routes", {})
    if not isinstance(routes, Mapping):
        where.key("routes").fail(f"expected an object of path prefixes, got {describe(routes)}")
    return ServiceFaults(
        error_rate=as_number(faults.get("error_rate", 0), where.key("error_rate"), 0, 1),
        latency_ms=as_number(faults.get("latency_ms", 0), where.key("latency_ms"), 0, 600_000),
        outages=_outages(faults.get("outages", []), where.key("outages")),
        rate_limit=_rate_limit(faults.get("rate_limit"), where.key("rate_limit"), service),
        seed=seed,
        quirks=parse_quirks(faults["quirks"], where.key("quirks"), service) if "quirks" in faults else None,
        drip_ms=as_number(faults.get("drip_ms", 50), where.key("drip_ms"), 0, 60_000),
        routes={
            str(prefix): _parse_service(
                value, where.key("routes").key(str(prefix)), service, seed, _ROUTE_FIELDS
            )
            for prefix, value in routes.items()
        },
        **rate,
    )


def _outages(raw: Any, where: Where) -> tuple[tuple[float, float], ...]:
    windows = []
    for i, item in enumerate(as_list(raw, where, "a list of [start_s, end_s] windows")):
        at = where.index(i)
        if not isinstance(item, list) or len(item) != 2:
            at.fail(f"expected [start_s, end_s], got {describe(item)}")
        start, end = as_number(item[0], at.index(0), 0), as_number(item[1], at.index(1), 0)
        if end <= start:
            at.fail(f"the window ends ({end:g}) before it starts ({start:g})")
        windows.append((start, end))
    return tuple(windows)


def _rate_limit(raw: Any, where: Where, service: str) -> RateLimitFault | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = {"after": raw}
    limit = as_object(raw, where, required=("after",), optional=("status", "retry_after_s"))
    allowed = (403, 429) if service == "github" else (429,)
    status = limit.get("status", allowed[0])
    if isinstance(status, bool) or status not in allowed:
        where.key("status").fail(f"expected {' or '.join(map(str, allowed))}, got {describe(status)}")
    return RateLimitFault(
        after=as_int(limit["after"], where.key("after"), 0),
        status=int(status),
        retry_after_s=as_number(limit.get("retry_after_s", 60), where.key("retry_after_s"), 0),
    )


def _seed(raw: Any, where: Where) -> int | str:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        where.fail(f"expected an integer or a string, got {describe(raw)}")
    return raw


@dataclass(frozen=True, slots=True)
class Injected:
    """A fault to answer instead of the real response."""

    kind: Literal["outage", "rate_limit", "error"]
    status: int
    reset_at: float = 0.0  # epoch seconds when a rate limit lifts
    retry_after_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Rolls:
    error: float
    malformed: float
    pick: float


class FaultState:
    """The moving parts of one service's plan: its random stream and its rate-limit window."""

    def __init__(self, faults: ServiceFaults, service: str) -> None:
        self.faults, self.service = faults, service
        self._random = random.Random(f"{faults.seed}:{service}")  # noqa: S311 - reproducible, not secret
        self._passed = 0
        self._blocked_until: float | None = None
        self._routes: dict[str, FaultState] = {}

    def for_path(self, path: str) -> FaultState:
        """The state that decides a request to `path`: a route's own (its stream, its window), or this."""
        prefix, faults = self.faults.for_path(path)
        if not prefix:
            return self
        if prefix not in self._routes:
            self._routes[prefix] = FaultState(faults, f"{self.service}:{prefix}")
        return self._routes[prefix]

    def roll(self) -> Rolls:
        # Always three draws, whatever fires, so one request's outcome never shifts the next one's.
        draw = self._random.random
        return Rolls(draw(), draw(), draw())

    def inject(self, rolls: Rolls, since_start: float, now: float) -> Injected | None:
        faults = self.faults
        if any(start <= since_start < end for start, end in faults.outages):
            return Injected("outage", 503)
        limited = self._rate_limited(now)
        if limited is not None:
            return limited
        if rolls.error < faults.error_rate:
            return Injected("error", _ERROR_STATUSES[int(rolls.pick * len(_ERROR_STATUSES))])
        return None

    def malformed(self, rolls: Rolls) -> bool:
        return self.connection_fault(rolls) == "cut"

    def connection_fault(self, rolls: Rolls) -> ConnectionFault | None:
        """What happens to a 200's body on the wire. The `malformed` draw is split into the shares, so a
        request still takes three draws whatever its plan."""
        faults, edge = self.faults, 0.0
        shares: tuple[tuple[ConnectionFault, float], ...] = (
            ("cut", faults.malformed_rate),
            ("html", faults.html_rate),
            ("reset", faults.reset_rate),
            ("drip", faults.drip_rate),
            ("garbage", faults.garbage_rate),
        )
        for kind, share in shares:
            edge += share
            if rolls.malformed < edge:
                return kind
        return None

    def _rate_limited(self, now: float) -> Injected | None:
        limit = self.faults.rate_limit
        if limit is None:
            return None
        if self._blocked_until is not None and now >= self._blocked_until:
            self._blocked_until, self._passed = None, 0
        if self._blocked_until is None and self._passed >= limit.after:
            self._blocked_until = now + limit.retry_after_s
        if self._blocked_until is not None:
            return Injected("rate_limit", limit.status, self._blocked_until, self._blocked_until - now)
        self._passed += 1
        return None
