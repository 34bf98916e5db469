"""The conditional-request cache, persisted in the store: ETag → the body it stood for.

A rescan from any process (another worker, tomorrow's daemon) sends `If-None-Match`; a 304 is answered from
the stored body, and GitHub does not count it against the rate limit. Bodies live in the content-addressed
`capture_bodies`, shared with the captures that usually hold the same answer. Writes are buffered and
flushed in batches (and on `aflush()`), so caching does not add a transaction per request. Reads and writes
run in threads: the event loop that runs the scans never waits on the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from distscout.http.cache import CachedAnswer
from distscout.store.bodies import load_bodies, store_bodies
from distscout.store.bulk import insert_rows
from distscout.store.outage import unavailable, why
from distscout.store.schema import http_cache

log = logging.getLogger("distscout.http_cache")

FLUSH_EVERY = 200
MEMORY_ENTRIES = 1_000  # recent answers kept in memory too; the rest is a database read away
_ANSWER_COLUMNS = (
    "etag",
    "digest",
    "content_type",
    "link",
    "status",
    "stored_at",
)  # a new answer replaces these


class StoreConditionalCache:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._memory: dict[str, CachedAnswer] = {}
        self._pending: dict[str, CachedAnswer] = {}
        self._asked: dict[str, list[asyncio.Future[CachedAnswer | None]]] = {}
        self._busy: set[asyncio.Task[None]] = set()  # reads and flushes running in threads

    async def lookup(self, key: str, *, newer_than: datetime | None = None) -> CachedAnswer | None:
        """The cached answer for `key`. Lookups made in one turn of the event loop (a burst of scans
        reaching the same stage together) are answered by one query: one statement, not one each.
        `newer_than`: a copy held in this process from before then is read again from the database."""
        answer = self._local(key)
        if answer is not None and (newer_than is None or _stored_since(answer, newer_than)):
            return answer
        loop = asyncio.get_running_loop()
        if not self._asked:
            loop.call_soon(self._in_background, self._answer_asked)
        future: asyncio.Future[CachedAnswer | None] = loop.create_future()
        self._asked.setdefault(key, []).append(future)  # a future each: one waiter's cancellation is its own
        return await future

    def _in_background(self, work: Callable[[], Coroutine[None, None, None]]) -> None:
        task = asyncio.get_running_loop().create_task(work())
        self._busy.add(task)
        task.add_done_callback(self._busy.discard)

    async def _answer_asked(self) -> None:
        asked, self._asked = self._asked, {}
        try:
            found = await asyncio.to_thread(self._read, list(asked))
            newest = self._newest(list(asked), found)
        except Exception as exc:  # noqa: BLE001 — every waiter gets the error; none may hang
            # The database away: a cache that cannot be read is a miss (the request goes out in full).
            missed = unavailable(exc, self._engine)
            for futures in asked.values():
                for future in futures:
                    if future.done():
                        continue
                    if missed:
                        future.set_result(None)
                    else:
                        future.set_exception(exc)
            return
        for key, futures in asked.items():
            for future in futures:
                if not future.done():
                    future.set_result(newest[key])

    def _newest(self, keys: list[str], found: dict[str, CachedAnswer]) -> dict[str, CachedAnswer | None]:
        """For each key, the newer of this process's copy and the database's, which it keeps."""
        newest: dict[str, CachedAnswer | None] = {}
        for key in keys:
            local, read = self._local(key), found.get(key)
            if read is not None and (local is None or not _stored_since(local, read.stored_at)):
                self._remember(key, read)  # never an older copy in place of a newer one not yet written
                if local is not None and self._pending.get(key) is local:
                    del self._pending[key]  # nor written over the newer one at the next flush
                local = read
            newest[key] = local
        return newest

    def _read(self, keys: list[str]) -> dict[str, CachedAnswer]:
        by_hash = {_hash(key): key for key in keys}
        found: dict[str, CachedAnswer] = {}
        with self._engine.connect() as connection:
            hashes = list(by_hash)
            rows = [
                row
                for start in range(0, len(hashes), 500)
                for row in connection.execute(
                    select(http_cache).where(http_cache.c.key_hash.in_(hashes[start : start + 500]))
                )
            ]
            bodies = load_bodies(connection, (row.digest for row in rows)) if rows else {}
        for row in rows:
            if (body := bodies.get(row.digest)) is not None:
                stored_at = row.stored_at if row.stored_at.tzinfo else row.stored_at.replace(tzinfo=UTC)
                answer = CachedAnswer(row.etag, body, row.content_type, row.link, row.status, stored_at)
                found[by_hash[row.key_hash]] = answer
        return found

    def store(self, key: str, answer: CachedAnswer) -> None:
        if answer.stored_at is None:  # stamped now: newer than any copy read back while it waits
            answer = replace(answer, stored_at=datetime.now(UTC))
        self._remember(key, answer)
        self._pending[key] = answer
        if len(self._pending) >= FLUSH_EVERY:
            pending, self._pending = self._pending, {}
            self._in_background(lambda: self._write_in_thread(pending))

    def share(self, key: str) -> None:
        """Write `key`'s buffered answer now (in a thread), for the other processes of the fleet."""
        answer = self._pending.pop(key, None)
        if answer is not None:
            self._in_background(lambda: self._write_in_thread({key: answer}))

    async def _write_in_thread(self, pending: dict[str, CachedAnswer]) -> None:
        try:
            await asyncio.to_thread(self._write, pending)
        except Exception as exc:  # noqa: BLE001 — a cache: a lost write costs one full request later
            away = unavailable(exc, self._engine)
            if away:  # buffered again for the next flush (a newer answer buffered meanwhile stays): the
                # fleet's other processes would otherwise ask upstream for what this one already has
                for key, answer in pending.items():
                    self._pending.setdefault(key, answer)
            # said once by the daemon when the database is away, not at every flush; a write the database
            # refused (it is there) is dropped, or it would fail every flush after it
            level = logging.DEBUG if away else logging.WARNING
            log.log(level, "could not store %d cached answers: %s", len(pending), why(exc))

    async def aflush(self) -> None:
        """Store every buffered answer, and wait for the reads and writes under way (on close)."""
        await self.settled()
        pending, self._pending = self._pending, {}
        if pending:
            await self._write_in_thread(pending)  # a cache: a write that fails on close is said, not raised

    async def settled(self) -> None:
        """Wait for the reads and writes under way; buffered answers stay buffered."""
        while self._busy:
            await asyncio.gather(*self._busy, return_exceptions=True)

    def flush(self) -> None:
        """Store every buffered answer now, from outside an event loop."""
        pending, self._pending = self._pending, {}
        if pending:
            self._write(pending)

    def _write(self, pending: dict[str, CachedAnswer]) -> None:
        ordered = sorted(pending.items(), key=lambda item: _hash(item[0]))  # one lock order for all writers
        with self._engine.begin() as connection:
            # most are stored already, by the captures of the scans that fetched them
            digests = store_bodies(connection, (answer.body for _, answer in ordered), most_stored=True)
            rows = [
                {
                    "key_hash": _hash(key),
                    "request_key": key,
                    "etag": answer.etag,
                    "digest": digest,
                    "content_type": answer.content_type,
                    "link": answer.link,
                    "status": answer.status,
                    "stored_at": answer.stored_at,  # stamped by store()
                }
                for (key, answer), digest in zip(ordered, digests, strict=True)
            ]
            # another process may have stored a newer answer since this one was buffered: it stays
            insert_rows(
                connection, http_cache, rows, "key_hash", update=_ANSWER_COLUMNS, unless_newer="stored_at"
            )

    def _local(self, key: str) -> CachedAnswer | None:
        return self._memory.get(key) or self._pending.get(key)

    def _remember(self, key: str, answer: CachedAnswer) -> None:
        self._memory[key] = answer
        if len(self._memory) > MEMORY_ENTRIES:
            self._memory.pop(next(iter(self._memory)))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _stored_since(answer: CachedAnswer, moment: datetime | None) -> bool:
    """Whether `answer` was stored at `moment` or later (one that does not say when: not)."""
    return moment is None or (answer.stored_at is not None and answer.stored_at >= moment)
