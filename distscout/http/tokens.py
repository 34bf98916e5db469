"""A pool of credentials for one upstream: each request is charged to the token with the most budget left.

GitHub's budgets are per token and per resource (REST core, GraphQL points), and each client of the pool
is one resource, so each keeps its own `TokenPool` over the same tokens. A request goes to the token that
may be asked now with the most remaining budget (a token not asked yet counts as full, so every token is
learnt); when every token must wait, to the one whose wait ends first. A request that needs a scope
(GitHub Packages: `read:packages`) goes to a token known to have it, or not known to lack it — a classic
token says its scopes in `x-oauth-scopes`, a fine-grained one does not.

A token the upstream refuses as bad credentials (GitHub's 401 `Bad credentials`: revoked, expired, mistyped)
is not used again by this process while another is left, and the request goes out again with another: one
dead token in a fleet's pool costs one request, not a share of every scan's evidence.

A token is shown only by its label (`#2 9f86d081`: its place in the list and the start of its sha256),
never by its value: in logs, `doctor`, `/metrics` and the workers page.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from distscout.http.clock import Clock
from distscout.http.minute import MinuteWindow
from distscout.http.ratelimit import RateLimitState

log = logging.getLogger("distscout.http")
_SAID_REFUSED: set[str] = set()  # labels of the tokens said to be refused in this process


def token_label(index: int, token: str) -> str:
    """How a token is shown: its place in the pool and a fingerprint that does not reveal it."""
    if not token:
        return "anonymous"
    return f"#{index + 1} {hashlib.sha256(token.encode()).hexdigest()[:8]}"


@dataclass
class Credential:
    token: str = field(repr=False)  # "" for anonymous calls
    label: str
    rate: RateLimitState = field(default_factory=RateLimitState)
    scopes: frozenset[str] | None = None  # None: not said (a fine-grained token, or not asked yet)
    requests: int = 0  # sent with this credential
    minute: MinuteWindow = field(default_factory=lambda: MinuteWindow(0))  # secondary points a minute
    refused: bool = False  # answered as bad credentials: not chosen again while another is left
    in_flight: int = 0  # requests sent with it and not yet answered (by this pool's client)

    def delay(self, clock: Clock, points: int = 1) -> float:
        """Seconds before a request of `points` may go out with this token: its budget's wait (a reset, a
        `retry-after`) or its points-per-minute window's, whichever is longer."""
        return max(self.rate.delay(clock), self.minute.delay(clock.monotonic(), points))

    def spend(self, clock: Clock, points: int) -> None:
        self.requests += 1
        self.minute.spend(clock.monotonic(), points)

    def lacks(self, scope: str | None) -> bool:
        return scope is not None and self.scopes is not None and scope not in self.scopes

    def observe_scopes(self, headers: Mapping[str, str]) -> None:
        said = headers.get("x-oauth-scopes")
        if said is not None:
            self.scopes = frozenset(s.strip() for s in said.split(",") if s.strip())


class TokenPool:
    def __init__(
        self, tokens: Sequence[str], points_per_minute: int = 0, in_flight_per_token: int = 0
    ) -> None:
        """`points_per_minute`: the upstream's secondary limit per token (0: none); `in_flight_per_token`:
        the requests one token may have in flight at once (0: any)."""
        unique = list(dict.fromkeys(t for t in tokens if t))
        self.credentials = [
            Credential(t, token_label(i, t), minute=MinuteWindow(points_per_minute))
            for i, t in enumerate(unique)
        ] or [Credential("", token_label(0, ""), minute=MinuteWindow(points_per_minute))]
        self.in_flight_per_token = in_flight_per_token
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def take(
        self, clock: Clock, scope: str | None = None, label: str | None = None, points: int = 1
    ) -> Credential:
        """`choose`, then hold a place in flight on it, waiting for one to be given back while the chosen
        token has none. Budgets move only when answers come back, so without this a burst of requests all
        went to the token with the most budget left: 128 at once on one token, where GitHub allows 100
        (REST and GraphQL together) and the README said 90 (45 from each of the two clients)."""
        while True:
            credential = self.choose(clock, scope, label, points)
            if self._has_room(credential):
                credential.in_flight += 1
                return credential
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # woken as it was cancelled: the place given back goes to another
                raise

    def give_back(self, credential: Credential) -> None:
        credential.in_flight -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        while self._waiting:  # the longest waiting request chooses again
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _has_room(self, credential: Credential) -> bool:
        return not self.in_flight_per_token or credential.in_flight < self.in_flight_per_token

    def __len__(self) -> int:
        return len(self.credentials)

    def secrets(self) -> tuple[str, ...]:
        return tuple(c.token for c in self.credentials if c.token)

    def choose(
        self, clock: Clock, scope: str | None = None, label: str | None = None, points: int = 1
    ) -> Credential:
        """The credential the next request goes out with (see the module's docstring); `label` names it."""
        for credential in self.credentials:
            if credential.label == label:
                return credential
        usable = [c for c in self.credentials if not c.refused] or self.credentials
        able = [c for c in usable if not c.lacks(scope)] or usable
        able = [c for c in able if self._has_room(c)] or able
        ready = [c for c in able if c.delay(clock, points) == 0]
        if ready:
            return max(ready, key=lambda c: (_left(c), -c.requests))
        return min(able, key=lambda c: c.delay(clock, points))

    def known_to_have(self, scope: str | None) -> bool:
        """Whether a usable token of the pool is known to have `scope` (said in `x-oauth-scopes`): what
        this process could be answered itself, so an answer another process stored may stand for it."""
        if scope is None:
            return True
        return any(
            c.token and not c.refused and c.scopes is not None and scope in c.scopes for c in self.credentials
        )

    def refuse(self, credential: Credential) -> bool:
        """`credential` was answered as bad credentials: True when another token is left to send with."""
        if not credential.token:
            return False
        if not credential.refused:
            credential.refused = True
            # said once a process: the REST and GraphQL pools both learn it
            if credential.label not in _SAID_REFUSED:
                _SAID_REFUSED.add(credential.label)
                log.warning(
                    "token %s was refused as bad credentials: not used again by this process",
                    credential.label,
                )
        return any(not c.refused for c in self.credentials)

    def summary(self) -> RateLimitState:
        """The pool's budget as one: the sum of what is known, the first reset, and a wait only when every
        token must wait (pacing, `scan`'s blocked line and `doctor` read this)."""
        # A token refused as bad credentials spends nothing more: its last budget is no part of the pool's
        # (the daemon paced as if it could, twice as fast as the one good token of two allowed).
        rates = [c.rate for c in self.credentials if not c.refused] or [c.rate for c in self.credentials]
        if len(rates) == 1:
            return rates[0]
        known = [r for r in rates if r.remaining is not None]
        resets = [r.reset_at for r in rates if r.reset_at is not None]
        waits = [r.not_before for r in rates]
        return RateLimitState(
            limit=sum(r.limit for r in rates if r.limit is not None) or None,
            remaining=sum(r.remaining for r in known if r.remaining is not None) if known else None,
            reset_at=min(resets) if resets else None,
            not_before=min(w for w in waits if w is not None) if all(w is not None for w in waits) else None,
        )


def _left(credential: Credential) -> float:
    remaining = credential.rate.remaining
    return float("inf") if remaining is None else float(remaining)
