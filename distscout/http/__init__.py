"""The one place for upstream HTTP: retries, timeouts, rate limits, ETags and circuit breakers."""

from distscout.http.breaker import CircuitBreaker
from distscout.http.cache import CachedAnswer, ConditionalCache, MemoryConditionalCache
from distscout.http.client import Fetched, UpstreamClient, UpstreamConfig
from distscout.http.clock import Clock, SystemClock
from distscout.http.outcome import Outcome

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
