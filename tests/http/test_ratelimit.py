"""Rate-limit headers in each upstream's spelling: GitHub's `x-ratelimit-*`, GitLab's `ratelimit-*` with an
epoch reset, and the IETF draft's `ratelimit-*` with the reset in seconds from now."""

from __future__ import annotations

from distscout.http.ratelimit import RateLimitState


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def wall(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now - 1_700_000_000.0

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_github_spelling() -> None:
    state, clock = RateLimitState(), _Clock()
    headers = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1800000060"}
    assert state.observe(403, headers, clock)
    assert (state.limit, state.remaining, state.reset_at) == (5000, 0, 1_800_000_060)
    assert state.delay(clock) == 60


def test_gitlab_spelling_with_an_epoch_reset() -> None:
    state, clock = RateLimitState(), _Clock()
    headers = {"ratelimit-limit": "2000", "ratelimit-remaining": "1999", "ratelimit-reset": "1800000030"}
    assert not state.observe(200, headers, clock)
    assert (state.limit, state.remaining, state.reset_at) == (2000, 1999, 1_800_000_030)
    spent = {"ratelimit-remaining": "0", "ratelimit-reset": "1800000030", "retry-after": "30"}
    assert state.observe(429, spent, clock) and state.delay(clock) == 30


def test_the_ietf_draft_reset_is_a_delay() -> None:
    state, clock = RateLimitState(), _Clock()
    assert state.observe(429, {"ratelimit-remaining": "0", "ratelimit-reset": "45"}, clock)
    assert state.reset_at == clock.now + 45 and state.delay(clock) == 45
