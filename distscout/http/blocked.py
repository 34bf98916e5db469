"""Which upstreams cannot be asked now, and until when: an open breaker or a spent rate-limit budget.

Read-only, from the clients' own state (no request): `scan` shows it on its progress line and sums it up
at the end, so a scan that cannot make progress says why instead of ending in silent partial scans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from distscout.http.client import UpstreamClient

# A wait shorter than this is ordinary pacing, not a block worth a word.
NOTEWORTHY_SECONDS = 5.0


@dataclass(frozen=True)
class Blocked:
    upstream: str  # the client's name: depsdev, ecosystems, github, github-graphql
    reason: str  # "breaker open" | "budget spent"
    until: datetime  # UTC

    def describe(self, now: datetime) -> str:
        """`github: budget spent until 18:42 UTC (in 53 min)`; the date only when it is not today."""
        moment = self.until.strftime("%H:%M:%S" if self.until - now < timedelta(minutes=10) else "%H:%M")
        if self.until.date() != now.date():
            moment = self.until.strftime("%Y-%m-%d ") + moment
        return f"{self.upstream}: {self.reason} until {moment} UTC (in {_span(self.until - now)})"

    def as_dict(self) -> dict[str, str]:
        return {"upstream": self.upstream, "reason": self.reason, "until": self.until.isoformat()}


def blocked_upstreams(clients: Iterable[UpstreamClient]) -> list[Blocked]:
    """The upstreams that would refuse or delay a call now by more than a moment."""
    found = []
    for client in clients:
        clock = client.clock
        now = clock.wall()
        breaker_wait = client.breaker.open_for()
        rate_wait = client.rate.delay(clock)  # a spent budget waits for its reset
        # A spent budget is named first: calls refused for it also open the breaker, but the budget is
        # the cause (and a token the remedy). Until: when both let a call through again.
        until = _at(now + max(breaker_wait, rate_wait))
        if rate_wait >= NOTEWORTHY_SECONDS:
            found.append(Blocked(client.config.name, "budget spent", until))
        elif breaker_wait >= NOTEWORTHY_SECONDS:
            found.append(Blocked(client.config.name, "breaker open", until))
    return found


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(round(epoch), UTC)


def _span(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
