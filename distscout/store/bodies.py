"""Capture bodies: content-addressed (sha256) and compressed, stored once however often they recur."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from distscout.store.schema import capture_bodies

_COMPRESS_ABOVE = 256  # tiny bodies gain nothing from zlib


def digest_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def store_bodies(connection: Connection, bodies: Iterable[bytes], *, most_stored: bool = False) -> list[str]:
    """Store each body once (a body already stored is left as it is); returns their digests, in order.

    `most_stored`: look up first which are stored already, and send (and compress) only the others. The
    HTTP cache's bodies are nearly all stored by the scans' captures already: 40 % of the body rows a
    first scan sent were those, each a row PostgreSQL's executemany spends Python time on (issue 20).
    """
    digests: list[str] = []
    new: dict[str, bytes] = {}
    for body in bodies:
        digest = digest_of(body)
        digests.append(digest)
        new.setdefault(digest, body)
    if most_stored and new:
        for stored in _stored(connection, list(new)):
            del new[stored]
    if new:
        insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        # In digest order: two transactions storing the same new bodies (a group of scans, the HTTP cache)
        # then wait for each other in one order, never in a cycle (PostgreSQL found that deadlock).
        connection.execute(
            insert(capture_bodies).on_conflict_do_nothing(index_elements=["digest"]),
            [_row(digest, new[digest]) for digest in sorted(new)],
        )
    return digests


def _row(digest: str, body: bytes) -> dict[str, object]:
    compressed = len(body) > _COMPRESS_ABOVE
    return {
        "digest": digest,
        "size": len(body),
        "encoding": "zlib" if compressed else "raw",
        "content": zlib.compress(body, 6) if compressed else body,
    }


def _stored(connection: Connection, digests: list[str]) -> list[str]:
    query = select(capture_bodies.c.digest).where(capture_bodies.c.digest.in_(bindparam("d", expanding=True)))
    return [
        digest
        for start in range(0, len(digests), 500)
        for digest in connection.execute(query, {"d": digests[start : start + 500]}).scalars()
    ]


def load_bodies(connection: Connection, digests: Iterable[str]) -> dict[str, bytes]:
    wanted = sorted(set(digests))
    found: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        query = select(capture_bodies).where(capture_bodies.c.digest.in_(wanted[start : start + 500]))
        for row in connection.execute(query):
            content = bytes(row.content)
            found[row.digest] = zlib.decompress(content) if row.encoding == "zlib" else content
    return found
