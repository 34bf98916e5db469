"""How one upstream call ended, in the words the scheduler understands (design §2)."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"  # an answer with data (possibly an empty list)
    MISS = "miss"  # 404-class: the upstream has nothing to say about this
    TRANSIENT = "transient"  # 5xx, 429, rate limited, timeout, transport error, garbled body: try again later
    PERMANENT = "permanent"  # another 4xx, or an answer we will never accept (too large)
    CIRCUIT_OPEN = "circuit_open"  # not attempted: the upstream's breaker is open
    # Refused for want of permission (a 401, or a 403 that is no rate limit): the evidence was never seen,
    # and asking again with the same credentials will not change that. Neither "nothing here" nor a retry.
    NOT_VISIBLE = "not_visible"

    @property
    def is_answer(self) -> bool:
        """The upstream answered (even with nothing): a scan can rely on it."""
        return self in (Outcome.OK, Outcome.MISS)

    @property
    def is_settled(self) -> bool:
        """Nothing to retry soon: an answer, or a refusal only new credentials can lift."""
        return self.is_answer or self is Outcome.NOT_VISIBLE


def classify_status(status: int, miss_statuses: frozenset[int], rate_limited: bool) -> Outcome:
    """The outcome of an HTTP status, given which statuses mean "nothing here" for this call."""
    if rate_limited or status == 429 or status >= 500:
        return Outcome.TRANSIENT
    if status in miss_statuses:
        return Outcome.MISS
    if 200 <= status < 300:
        return Outcome.OK
    return Outcome.PERMANENT
