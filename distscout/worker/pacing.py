"""Pacing by budget: spread an upstream's remaining rate limit evenly until it resets.

The dispatcher knows, from each upstream's headers, how many calls remain and when the window resets, and
from its own counters what a scan costs on average (answers that count: a 304 does not). The interval
between scan starts is then the time left divided by the scans the budget still allows — faster than a
fixed interval when the budget is plentiful, slower when it runs low, a wait for the reset when spent.
"""

from __future__ import annotations

from distscout.http import UpstreamClient

MINIMUM_INTERVAL = 0.05  # seconds: never a busy loop


def budget_interval(client: UpstreamClient, scans_done: int, wall_now: float) -> float | None:
    """Seconds between scan starts that `client`'s budget allows; None while nothing is known yet."""
    rate = client.rate
    if rate.remaining is None or rate.reset_at is None or scans_done == 0:
        return None
    cost = client.charged / scans_done
    seconds_left = max(0.0, rate.reset_at - wall_now)
    if cost <= 0:
        return MINIMUM_INTERVAL
    scans_left = rate.remaining / cost
    if scans_left < 1:
        return seconds_left  # spent: the next scan waits for the reset
    return max(MINIMUM_INTERVAL, seconds_left / scans_left)


def next_interval(clients: list[UpstreamClient], scans_done: int, wall_now: float, fallback: float) -> float:
    """The slowest pace any budgeted upstream asks for; `fallback` (start_interval) while none is known."""
    known = [i for c in clients if (i := budget_interval(c, scans_done, wall_now)) is not None]
    return max(known) if known else fallback
