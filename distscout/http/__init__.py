"""The one place for upstream HTTP: retries, timeouts, rate limits, ETags and circuit breakers.

The names below are loaded when first used (PEP 562), so that importing a light submodule —
`distscout.http.outcome`, which the store's results name — does not import httpx and aiohttp: a read
command of the CLI starts without them (issue #19).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from distscout.http.breaker import CircuitBreaker
    from distscout.http.cache import CachedAnswer, ConditionalCache, MemoryConditionalCache
    from distscout.http.client import Fetched, UpstreamClient, UpstreamConfig
    from distscout.http.clock import Clock, SystemClock
    from distscout.http.outcome import Outcome

_WHERE = {
    "CachedAnswer": "cache",
    "CircuitBreaker": "breaker",
    "Clock": "clock",
    "ConditionalCache": "cache",
    "Fetched": "client",
    "MemoryConditionalCache": "cache",
    "Outcome": "outcome",
    "SystemClock": "clock",
    "UpstreamClient": "client",
    "UpstreamConfig": "client",
}
__all__ = [
    "CachedAnswer",
    "CircuitBreaker",
    "Clock",
    "ConditionalCache",
    "Fetched",
    "MemoryConditionalCache",
    "Outcome",
    "SystemClock",
    "UpstreamClient",
    "UpstreamConfig",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
