"""Sign-in sessions for protected reads: a signed, expiring cookie instead of the token itself, a logout,
and a slowing of repeated wrong tokens.

The cookie is `expiry.nonce.signature`, signed with a key derived from the API token (HMAC-SHA256), so
every server process sharing the token accepts it, nothing is stored server-side, and rotating the token
signs everyone out. A logout forgets the cookie in the browser and, in this process, refuses that nonce
until it would have expired anyway (other processes accept it until then: documented).

Wrong tokens: after `MAX_FAILURES` from one client address within `WINDOW`, that address is answered 429
with Retry-After until the window has passed. The book of addresses is bounded (the oldest go first), so
an attacker rotating addresses cannot grow the server's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

MAX_FAILURES = 5
WINDOW = 15 * 60.0  # seconds
CAPACITY = 10_000  # client addresses remembered at most (failures, and logged-out nonces)
_CONTEXT = b"distscout session v1"


def _key(token: str) -> bytes:
    return hmac.new(token.encode(), _CONTEXT, hashlib.sha256).digest()


def _signature(token: str, payload: str) -> str:
    return hmac.new(_key(token), payload.encode(), hashlib.sha256).hexdigest()


class Sessions:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._ended: OrderedDict[str, float] = OrderedDict()  # nonce -> its expiry

    def issue(self, token: str, hours: float) -> str:
        payload = f"{int(self.clock() + hours * 3600)}.{secrets.token_hex(16)}"
        return f"{payload}.{_signature(token, payload)}"

    def valid(self, token: str, cookie: str | None) -> bool:
        expiry, nonce, signature = _parts(cookie)
        if not signature or not expiry.isdigit():
            return False
        expected = _signature(token, f"{expiry}.{nonce}")
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return False
        with self._lock:
            ended = nonce in self._ended
        return int(expiry) > self.clock() and not ended

    def end(self, cookie: str | None) -> None:
        """Logout: this process refuses the cookie from now on (it is also deleted from the browser)."""
        expiry, nonce, _ = _parts(cookie)
        if expiry.isdigit() and nonce:
            with self._lock:
                self._ended[nonce] = float(expiry)
                self._prune(self._ended, lambda until: until <= self.clock())

    def retry_after(self, address: str) -> int:
        """Seconds this address must wait before trying a token again (0: it may try now)."""
        now = self.clock()
        with self._lock:
            recent = [at for at in self._failures.get(address, []) if at > now - WINDOW]
        if len(recent) < MAX_FAILURES:
            return 0
        return max(1, int(recent[-MAX_FAILURES] + WINDOW - now) + 1)

    def failed(self, address: str) -> None:
        now = self.clock()
        with self._lock:
            recent = [at for at in self._failures.pop(address, []) if at > now - WINDOW]
            self._failures[address] = [*recent, now][-MAX_FAILURES:]  # newest last; the oldest first out
            self._prune(self._failures, lambda times: not times)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def remembered(self) -> int:
        with self._lock:
            return len(self._failures) + len(self._ended)

    @staticmethod
    def _prune(book: OrderedDict[str, Any], stale: Callable[[Any], bool]) -> None:
        for key in [k for k, v in book.items() if stale(v)]:
            del book[key]
        while len(book) > CAPACITY:
            book.popitem(last=False)


def _parts(cookie: str | None) -> tuple[str, str, str]:
    expiry, _, rest = (cookie or "").partition(".")
    nonce, _, signature = rest.partition(".")
    return expiry, nonce, signature
