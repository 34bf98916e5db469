"""Keyset pagination over any report: a page, its total, and opaque cursors to the next and previous pages.

A `Listing` is a report's query (filtered, unordered), the columns it may be sorted by, and the columns
that make a row unique. A page is read with `WHERE (sort keys) > (the last row's keys)`: its cost does not
grow with how deep the reader has paged, and rows written between two pages neither repeat nor vanish the
way they would with OFFSET. NULLs sort last in both directions (a never-scanned repository is at the end
of "last run", whichever way it is sorted).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, case, false, func, literal, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.sql.elements import ColumnElement

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class PageError(ValueError):
    """A page request that cannot be answered (an unknown sort, a cursor from elsewhere): the user's error."""


@dataclass(frozen=True)
class Listing:
    """One report, ready to be paged.

    `sorts` maps each public sort name to the query's columns it orders by; `unique` names columns that
    together identify a row (the tie-breaker); `shape` turns a row into what the API returns, and the
    `hidden` columns (selected to sort or to shape by) are then left out.
    """

    name: str
    query: Select[Any]
    sorts: Mapping[str, tuple[str, ...]]
    default_sort: str
    unique: tuple[str, ...]
    hidden: frozenset[str] = frozenset()
    shape: Callable[[dict[str, Any]], dict[str, Any]] = dict


@dataclass(frozen=True)
class PageRequest:
    sort: str | None = None
    descending: bool = False
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    sort: str
    descending: bool
    limit: int
    next: str | None = None
    previous: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The API's envelope: the rows, how many there are in all, and the cursors."""
        return {
            "items": self.rows,
            "total": self.total,
            "sort": self.sort,
            "order": "desc" if self.descending else "asc",
            "limit": self.limit,
            "next": self.next,
            "previous": self.previous,
            **self.extra,
        }


@dataclass(frozen=True)
class _Cursor:
    listing: str
    sort: str
    descending: bool
    backwards: bool  # the page before the row the cursor names, not after it
    values: list[Any]


def read_page(
    connection: Connection, listing: Listing, request: PageRequest, *, counted: bool = True
) -> Page:
    """One page of `listing`, sorted and positioned as `request` asks; `counted` false leaves the
    whole list uncounted (`total` 0: a walk through every page needs no count per page)."""
    sort = request.sort or listing.default_sort
    if sort not in listing.sorts:
        raise PageError(f"sort: {sort[:40]!r} is not one of {', '.join(listing.sorts)}")
    if not 1 <= request.limit <= MAX_LIMIT:
        raise PageError(f"limit: {request.limit} is not between 1 and {MAX_LIMIT}")
    cursor = _decode(request.cursor) if request.cursor else None
    if cursor is not None and (cursor.listing, cursor.sort, cursor.descending) != (
        listing.name,
        sort,
        request.descending,
    ):
        raise PageError("cursor: it belongs to another list or sort order; start again from the first page")
    listed = listing.query.order_by(None).subquery("listed")
    keys = _keys(listed, listing, sort, request.descending)
    backwards = cursor is not None and cursor.backwards
    walk = [(key, descending != backwards) for key, descending in keys]
    query = select(listed, *(key.label(f"_key{i}") for i, (key, _) in enumerate(keys)))
    if cursor is not None:
        if len(cursor.values) != len(keys):
            raise PageError(
                "cursor: it belongs to another list or sort order; start again from the first page"
            )
        query = query.where(_after(walk, cursor.values))
    query = query.order_by(*(key.desc() if descending else key.asc() for key, descending in walk))
    fetched = _fetch(connection, query.limit(request.limit + 1), cursor is not None)
    more = len(fetched) > request.limit
    fetched = fetched[: request.limit]
    if backwards:
        fetched.reverse()
    total = int(connection.execute(select(func.count()).select_from(listed)).scalar_one()) if counted else 0

    def mark(row: dict[str, Any], before: bool) -> str:
        values = [row[f"_key{i}"] for i in range(len(keys))]
        return _encode(_Cursor(listing.name, sort, request.descending, before, values))

    has_next = (more and not backwards) or (backwards and cursor is not None)
    has_previous = (more and backwards) or (not backwards and cursor is not None)
    return Page(
        rows=[_visible(listing.shape(_visible(row, frozenset())), listing.hidden) for row in fetched],
        total=total,
        sort=sort,
        descending=request.descending,
        limit=request.limit,
        next=mark(fetched[-1], False) if fetched and has_next else None,
        previous=mark(fetched[0], True) if fetched and has_previous else None,
    )


def _fetch(connection: Connection, query: Select[Any], from_cursor: bool) -> list[dict[str, Any]]:
    """The page's rows. A cursor's values are the user's input: one whose types the database refuses (a
    hand-made cursor) is the user's error, said in words, not a server error."""
    try:
        return [dict(row._mapping) for row in connection.execute(query)]
    except StatementError as exc:
        if not from_cursor or isinstance(exc, (OperationalError, InterfaceError)):
            raise
        connection.rollback()
        raise PageError("cursor: not a cursor this list gave; start again from the first page") from None


def _keys(
    listed: Any, listing: Listing, sort: str, descending: bool
) -> list[tuple[ColumnElement[Any], bool]]:
    """The ordering keys: per sort column a NULL flag (always ascending: NULLs last) and the column, then
    the unique columns, each with its direction."""
    keys: list[tuple[ColumnElement[Any], bool]] = []
    for name in listing.sorts[sort]:
        column = listed.c[name]
        keys.append((case((column.is_(None), 1), else_=0), False))
        keys.append((column, descending))
    keys += [(listed.c[name], descending) for name in listing.unique if name not in listing.sorts[sort]]
    return keys


def _after(walk: list[tuple[ColumnElement[Any], bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order `walk`: (k1 > v1) or (k1 = v1 and k2 > v2) or …"""
    alternatives = []
    for i, (key, descending) in enumerate(walk):
        value = values[i]
        if value is None:
            beyond: ColumnElement[bool] = false()  # NULLs are last within their flag: nothing after them
        else:
            bound = literal(value, key.type)  # a bound value, so True / False compare as values
            beyond = key < bound if descending else key > bound
        same = [
            k.is_(None) if v is None else k == literal(v, k.type)
            for (k, _), v in zip(walk[:i], values[:i], strict=True)
        ]
        alternatives.append(and_(*same, beyond))
    return or_(*alternatives)


def _visible(row: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in hidden and not k.startswith("_key")}


def _encode(cursor: _Cursor) -> str:
    values = [{"t": value.isoformat()} if isinstance(value, datetime) else value for value in cursor.values]
    body = [cursor.listing, cursor.sort, cursor.descending, cursor.backwards, values]
    text = json.dumps(body, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(text: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        listing, sort, descending, backwards, values = json.loads(raw)
        decoded = [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in values]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise PageError("cursor: not a cursor this list gave; start again from the first page") from None
    if not (isinstance(listing, str) and isinstance(sort, str) and isinstance(values, list)):
        raise PageError("cursor: not a cursor this list gave; start again from the first page")
    return _Cursor(listing, sort, bool(descending), bool(backwards), decoded)


def every_page(
    connection: Connection, listing: Listing, request: PageRequest
) -> Iterator[list[dict[str, Any]]]:
    """Every row of `listing` in the request's order, a page of MAX_LIMIT at a time (exports stream this:
    memory stays one page, however long the list)."""
    cursor = request.cursor
    while True:
        page = read_page(connection, listing, replace(request, limit=MAX_LIMIT, cursor=cursor), counted=False)
        if page.rows:
            yield page.rows
        if page.next is None:
            return
        cursor = page.next
