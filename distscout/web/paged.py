"""The paging, sorting and filtering parameters every list of the API and the dashboard shares, and the
page they answer with: `{"items", "total", "next", "previous", …}` plus `Link` and `X-Total-Count`
headers (RFC 8288), so no list is ever cut short without saying so."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import Connection, Engine

from distscout.store.exports import csv_text, jsonl_text, parquet_available, parquet_pieces
from distscout.store.listings import ListFilters, check_filters
from distscout.store.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Listing,
    Page,
    PageError,
    PageRequest,
    every_page,
    read_page,
)
from distscout.web.auth import service


class Order(StrEnum):
    asc = "asc"
    desc = "desc"


def page_request(
    sort: Annotated[str | None, Query(max_length=40, description="A column to sort by.")] = None,
    order: Annotated[Order, Query(description="asc or desc.")] = Order.asc,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=4000, description="`next` or `previous` of the page before.")
    ] = None,
) -> PageRequest:
    return PageRequest(sort=sort, descending=order is Order.desc, limit=limit, cursor=cursor or None)


Paging = Annotated[PageRequest, Depends(page_request)]
Search = Annotated[
    str | None, Query(max_length=200, description="Only rows whose repository (or path, name) contains this.")
]
EcosystemFilter = Annotated[
    str | None, Query(max_length=40, description="Only this ecosystem (a 422 names the known ones).")
]
ArchivedFilter = Annotated[bool | None, Query(description="Only archived (true) or active (false) repos.")]


_PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


class ListFormat(StrEnum):
    json = "json"
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"  # when pyarrow is installed on the server


FormatQuery = Annotated[
    ListFormat,
    Query(
        description="json: one page; csv, jsonl or parquet (pyarrow): every row the filters select, in order."
    ),
]


def read(connection: Connection, listing: Listing, paging: PageRequest, filters: ListFilters) -> Page:
    """The page, or a 422 in the user's words (an unknown sort, ecosystem or a stale cursor)."""
    try:
        check_filters(connection, filters)
        return read_page(connection, listing, paging)
    except PageError as exc:
        raise HTTPException(422, str(exc)) from None


def answer(  # noqa: PLR0917 - the parts of one list request
    request: Request,
    engine: Engine,
    listing: Listing,
    paging: PageRequest,
    filters: ListFilters,
    form: ListFormat,
) -> Response:
    """A page of the list as JSON; or, as CSV / JSON Lines / Parquet, every row it selects, streamed a
    page at a time (the export buttons: the same rows, filters and order as the pages)."""
    if form is ListFormat.parquet and not parquet_available():
        raise HTTPException(422, "format: parquet needs pyarrow on the server (pip install pyarrow)")
    with engine.connect() as connection:
        page = read(
            connection, listing, paging if form is ListFormat.json else replace(paging, limit=1), filters
        )
    if form is ListFormat.json:
        return page_response(request, page)
    whole = replace(paging, cursor=None)

    def pieces() -> Iterator[str | bytes]:
        with engine.connect() as connection:
            chunks = every_page(connection, listing, whole)
            if form is ListFormat.jsonl:
                yield from jsonl_text(chunks)
            elif form is ListFormat.parquet:
                yield from parquet_pieces(chunks)
            else:
                flattened = (list(map(flat, rows)) for rows in chunks)
                first = next(flattened, [])
                names = list(first[0]) if first else []
                yield from csv_text(itertools.chain([first], flattened), names)

    headers = {
        # a header is Latin-1, and a package's list is named after the package: keep the file name plain
        "Content-Disposition": f'attachment; filename="{_PLAIN.sub("-", listing.name)}.{form.value}"',
        "X-Total-Count": str(page.total),
    }
    return StreamingResponse(pieces(), media_type=_MEDIA[form], headers=headers)


_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


@dataclass(frozen=True)
class ListRequest:
    """What every list request of the API has: its URL, the store, the page asked for, the search, the
    archived filter and the format; each route adds the filters of its own list."""

    request: Request
    engine: Engine
    paging: PageRequest
    q: str | None
    archived: bool | None
    form: ListFormat

    def answer(self, listing_of: Callable[[ListFilters], Listing], **filters: Any) -> Response:
        chosen = ListFilters(q=self.q, archived=self.archived, **filters)
        return answer(self.request, self.engine, listing_of(chosen), self.paging, chosen, self.form)


def list_request(
    request: Request,
    paging: Paging,
    q: Search = None,
    archived: ArchivedFilter = None,
    format: FormatQuery = ListFormat.json,
) -> ListRequest:
    return ListRequest(request, service(request).engine, paging, q, archived, format)


Listed = Annotated[ListRequest, Depends(list_request)]


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row for CSV: a list becomes space-separated words, a mapping `key=value` pairs."""
    return {
        key: " ".join(map(str, value))
        if isinstance(value, list)
        else " ".join(f"{k}={v}" for k, v in value.items())
        if isinstance(value, dict)
        else value
        for key, value in row.items()
    }


def page_response(request: Request, page: Page) -> JSONResponse:
    """The page as the API's envelope, with `Link` (next / prev / first) and `X-Total-Count` headers."""
    headers = {"X-Total-Count": str(page.total)}
    links = page_links(request, page)
    if links:
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return JSONResponse(page.as_dict(), headers=headers)


def page_links(request: Request, page: Page) -> dict[str, str]:
    """The URLs of the next, previous and first pages: this request's URL with the cursor replaced."""
    links = {}
    if page.next:
        links["next"] = str(request.url.include_query_params(cursor=page.next))
    if page.previous:
        links["prev"] = str(request.url.include_query_params(cursor=page.previous))
    if page.previous:
        links["first"] = str(request.url.remove_query_params("cursor"))
    return links


@dataclass(frozen=True)
class ListView:
    """A page as the dashboard shows it: sortable headers, the pager's links, the export links."""

    request: Request
    page: Page
    api_path: str  # the API list this page shows (its exports)
    filtered: bool

    @property
    def links(self) -> dict[str, str]:
        return {rel: _relative(url) for rel, url in page_links(self.request, self.page).items()}

    @property
    def parquet(self) -> bool:
        """Offer a Parquet export: pyarrow is installed on this server."""
        return parquet_available()

    def sort_url(self, key: str) -> str:
        """This list sorted by `key`: ascending, or the other way round if it is already sorted by it."""
        flip = self.page.sort == key and not self.page.descending
        url = self.request.url.remove_query_params("cursor")
        return _relative(str(url.include_query_params(sort=key, order="desc" if flip else "asc")))

    def aria_sort(self, key: str) -> str:
        if self.page.sort != key:
            return "none"
        return "descending" if self.page.descending else "ascending"

    def export_url(self, form: str) -> str:
        """Every row these filters select, in this order, as CSV or JSON Lines (the API's list)."""
        kept = [
            (k, v) for k, v in self.request.query_params.multi_items() if k not in {"cursor", "limit"} and v
        ]
        return f"{self.api_path}?{urlencode([*kept, ('format', form)])}"


def _relative(url: str) -> str:
    """The path and query of a URL: dashboard links stay on whatever host name the page was served by."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def flag(value: bool | None) -> str | None:
    """A filter's yes / no as the dashboard's select spells it."""
    return None if value is None else str(value).lower()


def parse_flag(name: str, text: str | None) -> bool | None:
    """A dashboard select's "true" / "false" / "" (any)."""
    if not text:
        return None
    if text in {"true", "false"}:
        return text == "true"
    raise HTTPException(422, f"{name}: {text[:20]!r} is not true or false")
