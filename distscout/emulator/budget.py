"""Per-caller rate-limit windows (GitHub's primary limit, ecosyste.ms's hourly quota), and the limits used."""

from __future__ import annotations

from dataclasses import dataclass


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
