"""Capture bodies: content-addressed (sha256) and compressed, stored once however often they recur."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator

from sqlalchemy import Connection, select

from distscout.store.bulk import insert_rows
from distscout.store.schema import capture_bodies

_PAGE = 500
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
        # In digest order: two transactions storing the same new bodies (a group of scans, the HTTP cache)
        # then wait for each other in one order, never in a cycle (PostgreSQL found that deadlock).
        insert_rows(
            connection, capture_bodies, [_row(digest, new[digest]) for digest in sorted(new)], "digest"
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
    digest = capture_bodies.c.digest
    return [
        d
        for page in _pages(digests)
        for d in connection.execute(select(digest).where(digest.in_(page))).scalars()
    ]


def load_bodies(connection: Connection, digests: Iterable[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for page in _pages(sorted(set(digests))):
        for row in connection.execute(select(capture_bodies).where(capture_bodies.c.digest.in_(page))):
            content = bytes(row.content)
            found[row.digest] = zlib.decompress(content) if row.encoding == "zlib" else content
    return found


def _pages(digests: list[str]) -> Iterator[list[str]]:
    """500 at a time: far below any backend's bound-parameter limit."""
    for start in range(0, len(digests), _PAGE):
        yield digests[start : start + _PAGE]
