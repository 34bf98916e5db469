"""GitHub's secondary limit on points per minute, kept per token: 900 a minute for REST, 2,000 for GraphQL
(upstream-apis.md §3.1, §3.7). A GET or a GraphQL query without mutations is 1 point, another REST
method 5. No header says how much of it is spent, so each token counts what it sent in the last 60 seconds
and a request that would go over waits for the oldest ones to leave the window.
"""

from __future__ import annotations

from collections import deque

WINDOW = 60.0  # seconds


class MinuteWindow:
    def __init__(self, points_per_minute: int) -> None:
        self.limit = points_per_minute  # 0: no such limit
        self._sent: deque[tuple[float, int]] = deque()  # (monotonic time, points), oldest first
        self._points = 0

    def delay(self, now: float, points: int = 1) -> float:
        """Seconds until `points` more fit in the window (0: now)."""
        if not self.limit:
            return 0.0
        self._forget(now)
        over = self._points + points - self.limit
        if over <= 0:
            return 0.0
        for sent_at, spent in self._sent:  # the oldest leave first: when have enough of them left?
            over -= spent
            if over <= 0:
                return max(0.0, sent_at + WINDOW - now)
        return WINDOW  # more points than the whole limit: one request a window

    def spend(self, now: float, points: int) -> None:
        if self.limit:
            self._forget(now)
            self._sent.append((now, points))
            self._points += points

    @property
    def spent(self) -> int:
        """Points sent in the window as of the last call (doctor, tests)."""
        return self._points

    def _forget(self, now: float) -> None:
        while self._sent and self._sent[0][0] <= now - WINDOW:
            self._points -= self._sent.popleft()[1]
