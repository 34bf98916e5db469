"""Capture bodies: content-addressed (sha256) and compressed, stored once however often they recur."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from distscout.store.schema import capture_bodies

_COMPRESS_ABOVE = 256  # tiny bodies gain nothing from zlib


def digest_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def store_bodies(connection: Connection, bodies: Iterable[bytes]) -> list[str]:
    """Store each body once (a body already stored is left as it is); returns their digests, in order."""
    digests: list[str] = []
    rows = {}
    for body in bodies:
        digest = digest_of(body)
        digests.append(digest)
        if digest in rows:
            continue
        compressed = len(body) > _COMPRESS_ABOVE
        rows[digest] = {
            "digest": digest,
            "size": len(body),
            "encoding": "zlib" if compressed else "raw",
            "content": zlib.compress(body, 6) if compressed else body,
        }
    if rows:
        insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        # In digest order: two transactions storing the same new bodies (a group of scans, the HTTP cache)
        # then wait for each other in one order, never in a cycle (PostgreSQL found that deadlock).
        connection.execute(
            insert(capture_bodies).on_conflict_do_nothing(index_elements=["digest"]),
            [rows[digest] for digest in sorted(rows)],
        )
    return digests


def load_bodies(connection: Connection, digests: Iterable[str]) -> dict[str, bytes]:
    wanted = sorted(set(digests))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        query = select(capture_bodies).where(capture_bodies.c.digest.in_(wanted[start : start + 500]))
        for row in connection.execute(query):
            content = bytes(row.content)
            found[row.digest] = zlib.decompress(content) if row.encoding == "zlib" else content
    return found
