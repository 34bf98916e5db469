"""What an upstream says about its budget: remaining calls, when it resets, when to come back.

GitHub: x-ratelimit-remaining/reset (epoch seconds), 403/429 when spent, `retry-after` for secondary
limits. ecosyste.ms: the same headers, 429 without `retry-after` (wait for the reset). deps.dev: plain
429. GitLab: `ratelimit-limit/remaining/reset` (reset in epoch seconds), 429 with `retry-after`; the IETF
draft its peers follow spells the same names with the reset in seconds from now, so a small reset is read
as a delay. The state is per upstream and read by the dispatcher to pace itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from distscout.http.clock import Clock

SECONDARY_FIRST_WAIT = 60.0  # GitHub: a secondary limit without `retry-after`: wait at least a minute,
SECONDARY_LONGEST_WAIT = 960.0  # then back off exponentially while it goes on (upstream-apis.md §3.1)
_EPOCH_2001 = 1e9  # a reset below this is a delay in seconds (IETF draft), not an epoch (GitHub, GitLab)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _header(headers: Mapping[str, str], name: str) -> float | None:
    """GitHub's `x-ratelimit-*` spelling, or else GitLab's and the IETF draft's `ratelimit-*`."""
    value = _number(headers.get(f"x-{name}"))
    return value if value is not None else _number(headers.get(name))


@dataclass
class RateLimitState:
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds
    not_before: float | None = None  # monotonic seconds: no call before this
    secondary_hits: int = 0  # secondary-limit refusals in a row (GitHub)
    ended_hits: int = 0  # the run the latest answer ended: resumed if that answer was a refusal after all

    def observe(self, status: int, headers: Mapping[str, str], clock: Clock) -> bool:
        """Record an answer's headers; True when the answer means "rate limited"."""
        limit, remaining = _header(headers, "ratelimit-limit"), _header(headers, "ratelimit-remaining")
        reset = _header(headers, "ratelimit-reset")
        if reset is not None and reset < _EPOCH_2001:
            reset += clock.wall()
        if limit is not None:
            self.limit = int(limit)
        if remaining is not None:
            self.remaining = int(remaining)
        if reset is not None:
            self.reset_at = reset
        retry_after = _number(headers.get("retry-after"))
        if status < 400:
            self.ended_hits, self.secondary_hits = self.secondary_hits, 0
        spent = remaining == 0 and status in (403, 429)
        if retry_after is not None and status in (403, 429, 503):
            self.not_before = clock.monotonic() + max(0.0, retry_after)
        elif (spent or status == 429) and reset is not None:
            self.not_before = clock.monotonic() + max(0.0, reset - clock.wall())
        return spent or status == 429

    def secondary_limit(
        self, headers: Mapping[str, str], clock: Clock, *, in_a_success: bool = False
    ) -> None:
        """A secondary-limit refusal: wait its `retry-after` when it says one, else a minute, doubling with
        each refusal in a row. `in_a_success`: the refusal came in an answer `observe` read as a success
        (GraphQL's HTTP 200 form), which ended the run: it goes on from there."""
        if in_a_success:
            self.secondary_hits = self.ended_hits
        self.secondary_hits += 1
        retry_after = _number(headers.get("retry-after"))
        backoff = SECONDARY_FIRST_WAIT * 2 ** min(self.secondary_hits - 1, 8)
        wait = retry_after if retry_after is not None else min(SECONDARY_LONGEST_WAIT, backoff)
        if self.remaining != 0:  # (a spent primary budget waits for its reset, as `observe` set)
            self.not_before = clock.monotonic() + max(0.0, wait)

    def wait_for_reset(self, headers: Mapping[str, str], clock: Clock) -> None:
        """The budget is spent though the status said otherwise (GraphQL answers 200): wait for the reset."""
        self.observe(200, headers, clock)
        if self.reset_at is not None:
            self.not_before = clock.monotonic() + max(0.0, self.reset_at - clock.wall())
        self.remaining = 0

    def delay(self, clock: Clock) -> float:
        """Seconds to wait before the next call may go out (0 when it may go now). A budget the last answer
        said is spent (remaining 0, even on a 200) waits for its reset: the next call would be refused."""
        wait = 0.0 if self.not_before is None else max(0.0, self.not_before - clock.monotonic())
        if self.remaining == 0 and self.reset_at is not None:
            wait = max(wait, self.reset_at - clock.wall())
        return wait
