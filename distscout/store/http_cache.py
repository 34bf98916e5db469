"""The conditional-request cache, persisted in the store: ETag → the body it stood for.

A rescan from any process (another worker, tomorrow's daemon) sends `If-None-Match`; a 304 is answered from
the stored body, and GitHub does not count it against the rate limit. Bodies live in the content-addressed
`capture_bodies`, shared with the captures that usually hold the same answer. Writes are buffered and
flushed in batches (and on `flush()`), so caching does not add a transaction per request.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from distscout.http.cache import CachedAnswer
from distscout.store.bodies import digest_of, load_bodies, store_bodies
from distscout.store.schema import http_cache

FLUSH_EVERY = 200
MEMORY_ENTRIES = 1_000  # recent answers kept in memory too; the rest is a database read away


class StoreConditionalCache:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._memory: dict[str, CachedAnswer] = {}
        self._pending: dict[str, CachedAnswer] = {}

    def lookup(self, key: str) -> CachedAnswer | None:
        answer = self._memory.get(key) or self._pending.get(key)
        if answer is not None:
            return answer
        with self._engine.connect() as connection:
            row = connection.execute(select(http_cache).where(http_cache.c.key_hash == _hash(key))).first()
            if row is None:
                return None
            body = load_bodies(connection, [row.digest]).get(row.digest)
        if body is None:
            return None
        answer = CachedAnswer(row.etag, body, row.content_type, row.link)
        self._remember(key, answer)
        return answer

    def store(self, key: str, answer: CachedAnswer) -> None:
        self._remember(key, answer)
        self._pending[key] = answer
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        now = datetime.now(UTC)
        rows = [
            {
                "key_hash": _hash(key),
                "request_key": key,
                "etag": answer.etag,
                "digest": digest_of(answer.body),
                "content_type": answer.content_type,
                "link": answer.link,
                "stored_at": now,
            }
            for key, answer in pending.items()
        ]
        with self._engine.begin() as connection:
            store_bodies(connection, (answer.body for answer in pending.values()))
            insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
            statement = insert(http_cache)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["key_hash"],
                    set_={
                        name: statement.excluded[name]
                        for name in ("etag", "digest", "content_type", "link", "stored_at")
                    },
                ),
                rows,
            )

    def _remember(self, key: str, answer: CachedAnswer) -> None:
        self._memory[key] = answer
        if len(self._memory) > MEMORY_ENTRIES:
            self._memory.pop(next(iter(self._memory)))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
