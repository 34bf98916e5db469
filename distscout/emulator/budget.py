"""Per-caller rate-limit windows (GitHub's primary limit, ecosyste.ms's hourly quota), and the limits used."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Limits:
    """Budgets and caps; the defaults are the real upstreams' (tests shrink them)."""

    github_token_per_hour: int = 5000
    github_anonymous_per_hour: int = 60
    github_graphql_points_per_hour: int = 5000  # per token; no anonymous GraphQL
    github_graphql_max_nodes: int = 500_000  # nodes one GraphQL query may ask for (not a budget)
    ecosystems_anonymous_per_hour: int = 5000
    ecosystems_polite_per_hour: int = 15000
    ecosystems_api_key_per_hour: int = 100_000
    tree_entry_cap: int = 100_000  # git/trees answers truncated:true above this many entries
    contents_entry_cap: int = 1000  # contents/ directory listings are cut here, silently
    gitlab_token_per_minute: int = 2000  # gitlab.com's authenticated API limit, per user
    gitlab_anonymous_per_minute: int = 500  # and per address without a token
    # GitHub's secondary limits, per token (per address without one): points in any 60 seconds, 900 to one
    # REST endpoint (a GET is 1, another method 5) and 2,000 to GraphQL (1 a query without mutations).
    github_rest_points_per_minute: int = 900
    github_graphql_points_per_minute: int = 2000
    # How long an hourly budget lasts (and a minute, 1/60 of it): benchmarks compress time to run a large
    # fleet's hours in minutes (`distscout emulator serve --hour-seconds`).
    hour_seconds: int = 3600


@dataclass(slots=True)
class Window:
    """One caller's budget for the current window."""

    limit: int
    reset_at: int  # epoch seconds
    tier: str = ""
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit


class Budgets:
    """Windows per caller, an hour long unless told: from the first request (GitHub), or on the clock
    hour (ecosyste.ms)."""

    def __init__(self, aligned_to_hour: bool, period: int = 3600) -> None:
        self._aligned = aligned_to_hour
        self._period = period  # seconds a window lasts (GitLab: a minute)
        self._windows: dict[str, Window] = {}

    def window(self, key: str, limit: int, tier: str, now: float) -> Window:
        current = self._windows.get(key)
        if current is None or now >= current.reset_at:
            period = self._period
            reset_at = (int(now) // period + 1) * period if self._aligned else int(now) + period
            current = self._windows[key] = Window(limit, reset_at, tier)
        return current

    def peek(self, key: str) -> Window | None:
        """The caller's current window, if it has one (not started by looking)."""
        return self._windows.get(key)

    def clear(self) -> None:
        self._windows.clear()


@dataclass
class PointsPerMinute:
    """Points each caller spent in the last 60 seconds (GitHub's secondary limit), by key."""

    sent: dict[str, deque[tuple[float, int]]] = field(default_factory=dict)
    spent: dict[str, int] = field(default_factory=dict)

    minute: float = 60.0  # seconds

    def admit(self, key: str, points: int, limit: int, now: float) -> bool:
        """Charge `points` to `key`, unless that passes `limit` within a minute (then nothing is charged)."""
        sent = self.sent.setdefault(key, deque())
        while sent and sent[0][0] <= now - self.minute:
            self.spent[key] -= sent.popleft()[1]
        total = self.spent.get(key, 0)
        if total + points > limit:
            return False
        sent.append((now, points))
        self.spent[key] = total + points
        return True

    def clear(self) -> None:
        self.sent.clear()
        self.spent.clear()
