"""A circuit breaker per upstream: stop calling a service that keeps failing, try again later.

Closed: calls pass; `threshold` consecutive transient failures open it. Open: calls are refused
(`circuit_open`, no request) for `open_seconds`. Then half-open: one trial call passes; an answer
closes the breaker, another failure opens it again for a full period.
"""

from __future__ import annotations

from enum import StrEnum

from distscout.http.clock import Clock, SystemClock
from distscout.http.outcome import Outcome


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self, name: str, threshold: int = 10, open_seconds: float = 3600.0, clock: Clock | None = None
    ) -> None:
        self.name = name
        self.threshold = threshold
        self.open_seconds = open_seconds
        self._clock = clock or SystemClock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.monotonic() - self._opened_at < self.open_seconds:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    @property
    def is_open(self) -> bool:
        """Read-only health check for the dispatcher: True while calls would be refused."""
        return self.state is BreakerState.OPEN or (
            self.state is BreakerState.HALF_OPEN and self._trial_in_flight
        )

    def open_for(self) -> float:
        """Seconds until an open breaker lets a trial call through (0 when it is not open)."""
        if self.state is not BreakerState.OPEN or self._opened_at is None:
            return 0.0
        return max(0.0, self.open_seconds - (self._clock.monotonic() - self._opened_at))

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one trial call at a time."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record(self, outcome: Outcome) -> None:
        if outcome is Outcome.CIRCUIT_OPEN:
            return
        if outcome is Outcome.TRANSIENT:
            self._failures += 1
            if self._opened_at is not None or self._failures >= self.threshold:
                self._opened_at = self._clock.monotonic()  # (re)open for a full period
        else:  # any answer, even a 404 or a 400, shows the service is up
            self._failures = 0
            self._opened_at = None
        self._trial_in_flight = False
