"""Pacing by budget: spread an upstream's remaining rate limit evenly until it resets.

The dispatcher knows, from each upstream's headers, how many calls remain and when the window resets, and
from its own counters what the recent scans cost (answers that count: a 304 does not). The interval
between scan starts is then the time left divided by the scans the budget still allows — faster than a
fixed interval when the budget is plentiful, slower when it runs low, a wait for the reset when spent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from distscout.http import UpstreamClient

# Seconds: the shortest pace, so as never to busy-loop. Scans start in bursts and the dispatcher sleeps
# `burst × interval` after each, so this caps the rate, not the sleep: at 0.05 it capped a fleet at 20
# scans a second (72,000 an hour: 10 tokens and an ecosyste.ms key allow more).
MINIMUM_INTERVAL = 0.001
# Scans: the cost of a scan is what the recent ones cost. Four claimed chunks' worth: the GraphQL part of a
# chunk of 50 is asked when it is claimed (`sources/github_ahead.py`), so its points land in lumps of about
# a chunk; over 50 finished scans one lump more or less doubled or halved the cost seen, and the pace.
COST_WINDOW = 200


@dataclass
class CostMeter:
    """One upstream's recent cost per scan: units charged over the last `window` finished scans.

    Not the average since start-up: a scan's cost changes as a run goes on (the first scan of an owner pays
    its Packages listings, later ones share them; a rescan's 304s are free), and a pace set by old costs
    would leave the budget unused.
    """

    window: int = COST_WINDOW
    _marks: deque[tuple[int, int]] = field(default_factory=deque)  # (scans finished, units charged)

    def cost(self, client: UpstreamClient, scans_done: int) -> float:
        if not self._marks or self._marks[-1][0] != scans_done:
            self._marks.append((scans_done, client.charged))
        while len(self._marks) > 2 and scans_done - self._marks[1][0] >= self.window:
            self._marks.popleft()
        first_scans, first_charged = self._marks[0]
        if scans_done - first_scans < min(self.window, scans_done):  # too few yet: since start-up
            return client.charged / scans_done
        return (client.charged - first_charged) / (scans_done - first_scans)


def budget_interval(
    client: UpstreamClient, scans_done: int, wall_now: float, meter: CostMeter | None = None
) -> float | None:
    """Seconds between scan starts that `client`'s budget allows; None while nothing is known yet.

    With a pool of tokens, each token's budget allows scans at its own speed until its own reset, and the
    speeds add up: the pace is the pool's sum (a token not heard from yet is left out until it is)."""
    rates = [c.rate for c in client.tokens.credentials]
    known = [(r.remaining, r.reset_at) for r in rates if r.remaining is not None and r.reset_at is not None]
    if not known or scans_done == 0:
        return None
    cost = meter.cost(client, scans_done) if meter is not None else client.charged / scans_done
    if cost <= 0:
        return MINIMUM_INTERVAL
    speed, soonest_reset = 0.0, float("inf")  # scans a second the budgets allow; when one comes back
    for remaining, reset_at in known:
        seconds_left = max(0.0, reset_at - wall_now)
        scans_left = remaining / cost
        if scans_left < 1:
            soonest_reset = min(soonest_reset, seconds_left)  # spent: nothing from it until its reset
        else:
            speed += scans_left / max(seconds_left, MINIMUM_INTERVAL)
    if speed == 0:
        return soonest_reset  # all spent: the next scan waits for the first reset
    return max(MINIMUM_INTERVAL, 1 / speed)


def next_interval(
    clients: list[UpstreamClient],
    scans_done: int,
    wall_now: float,
    fallback: float,
    meters: Mapping[str, CostMeter] | None = None,
) -> float:
    """The slowest pace any budgeted upstream asks for; `fallback` (start_interval) while none is known."""
    meters = meters or {}
    known = [
        i
        for c in clients
        if (i := budget_interval(c, scans_done, wall_now, meters.get(c.config.name))) is not None
    ]
    return max(known) if known else fallback
