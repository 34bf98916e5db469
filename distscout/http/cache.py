"""Conditional requests: remember each answer's ETag, and the body it stood for.

A 304 means "the same as the body you cached" — never "empty". The cache is pluggable so the store can
persist it (a rescan of an unchanged repository then costs no primary rate limit).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    etag: str
    body: bytes
    content_type: str = ""
    link: str = ""  # pagination: a 304 carries no Link header, yet the cached page still has a next one
    # A kept answer (`UpstreamClient.get(fresh_seconds=…)`): its status (a 404 is an answer too) and when
    # it arrived, so every caller in the fleet reuses it while it is fresh, without asking again.
    status: int = 200
    stored_at: datetime | None = None


class ConditionalCache(Protocol):
    async def lookup(self, key: str, *, newer_than: datetime | None = None) -> CachedAnswer | None:
        """Async, so a store-backed cache can answer many concurrent lookups with one query. `newer_than`:
        a copy held here that was stored before then is read again from where the fleet shares answers
        (another process may have stored a newer one); the newest found is the answer."""
        ...

    def store(self, key: str, answer: CachedAnswer) -> None: ...

    def share(self, key: str) -> None:
        """`key`'s answer written where the rest of the fleet reads it now, not with the next batch."""
        ...


class MemoryConditionalCache:
    """An in-process LRU cache, bounded in bytes of body (bodies vary from bytes to megabytes)."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, CachedAnswer] = OrderedDict()
        self._max = max_bytes
        self._size = 0

    async def lookup(self, key: str, *, newer_than: datetime | None = None) -> CachedAnswer | None:
        answer = self._entries.get(key)  # one process's: there is nowhere else a newer one could be
        if answer is not None:
            self._entries.move_to_end(key)
        return answer

    def share(self, key: str) -> None:
        pass  # nothing to share it with

    def store(self, key: str, answer: CachedAnswer) -> None:
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._size -= len(previous.body)
        if len(answer.body) > self._max:
            return
        self._entries[key] = answer
        self._size += len(answer.body)
        while self._size > self._max:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted.body)
