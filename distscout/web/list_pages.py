"""The dashboard's list pages: each a page of one server-side listing (keyset paging, sort, filters,
exports), over the same listings as the API."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi import Path as PathParameter
from fastapi.responses import Response

from distscout.store.listings import (
    PACKAGE_KINDS,
    REPO_STATUSES,
    ListFilters,
    declarations_listing,
    manifests_unknown_listing,
    orphans_listing,
    publishers_listing,
    repos_listing,
    unclaimed_listing,
    unconfirmed_listing,
)
from distscout.store.paging import Listing, PageRequest, read_page
from distscout.store.queries import verdict_counts
from distscout.triage import NAME_MATCHED, ORPHAN_VERDICTS, VERDICTS, Verdict
from distscout.web.api import package_key
from distscout.web.paged import ListView, Paging, parse_flag, read
from distscout.web.rendering import Current, page_router, render
from distscout.web.service import Service

reads = page_router()

Text = Annotated[str | None, Query(max_length=200)]


def _filters(  # noqa: PLR0917 - the dashboard's filter form, one field each
    q: Text = None,
    status: Text = None,
    ecosystem: Text = None,
    verdict: Text = None,
    archived: Text = None,
    has_orphan: Text = None,
    kind: Text = None,
) -> ListFilters:
    """The filter form's fields: "" is "any"."""
    return ListFilters(
        q=q or None,
        status=status or None,
        ecosystem=(ecosystem or "").strip().lower() or None,
        verdict=verdict or None,
        archived=parse_flag("archived", archived),
        has_orphan=parse_flag("has_orphan", has_orphan),
        kind=kind or None,
    )


Filters = Annotated[ListFilters, Depends(_filters)]
SIDE_TABLE = PageRequest(limit=50)  # a list shown beside the main one: its first rows, its total, its export


def _view(
    request: Request, connection: Any, listing: Listing, paging: PageRequest, filters: ListFilters
) -> ListView:
    page = read(connection, listing, paging, filters)
    return ListView(request, page, f"/api/{_API_PATHS[listing.name]}", filters != ListFilters())


_API_PATHS = {
    "repos": "repos",
    "orphans": "orphans",
    "unconfirmed": "orphans/unconfirmed",
    "unclaimed": "unclaimed",
    "manifests_unknown": "manifests/unknown",
}


@reads.get("/orphans")
def orphans_page(request: Request, current: Current, paging: Paging, filters: Filters) -> Response:
    with current.engine.connect() as connection:
        view = _view(request, connection, orphans_listing(filters), paging, filters)
        waiting = None
        if filters.verdict is None:
            side = read(connection, unconfirmed_listing(filters), SIDE_TABLE, filters)
            waiting = ListView(request, side, "", True)
        counts = verdict_links(verdict_counts(connection))
    return render(
        request,
        "orphans.html",
        view=view,
        filters=filters,
        unconfirmed=waiting,
        verdict=filters.verdict,
        counts=counts,
        ecosystems=current.ecosystems(),
    )


def verdict_links(values: dict[str, int]) -> list[tuple[str, int]]:
    """Each verdict with its number of manifests, in the order the orphans page lists them."""
    return [
        *((v.value, values[f"orphans_{v.value}"]) for v in ORPHAN_VERDICTS),
        *((v.value, values[f"names_{v.value}"]) for v in NAME_MATCHED),
        (Verdict.INVALID_NAME.value, values["invalid_names"]),
    ]


@reads.get("/unclaimed")
def unclaimed_page(request: Request, current: Current, paging: Paging, filters: Filters) -> Response:
    with current.engine.connect() as connection:
        view = _view(request, connection, unclaimed_listing(filters), paging, filters)
        kinds = {
            kind: read_page(
                connection, unclaimed_listing(replace(filters, kind=kind)), PageRequest(limit=1)
            ).total
            for kind in PACKAGE_KINDS
        }
        unknown = read_page(connection, manifests_unknown_listing(ListFilters()), SIDE_TABLE)
    unknown_view = ListView(request, unknown, "/api/manifests/unknown", False)
    return render(
        request,
        "unclaimed.html",
        view=view,
        filters=filters,
        kinds=kinds,
        unknown=unknown_view,
        ecosystems=current.ecosystems(),
    )


def _list_page(  # noqa: PLR0917 - the parts of one list page
    request: Request,
    current: Service,
    listing: Listing,
    paging: PageRequest,
    filters: ListFilters,
    template: str,
    **context: Any,
) -> Response:
    """A page that shows one list: its rows as paged, sorted and filtered, and the filter form's values."""
    with current.engine.connect() as connection:
        view = _view(request, connection, listing, paging, filters)
    return render(request, template, view=view, filters=filters, **context)


@reads.get("/orphans/unconfirmed")
def unconfirmed_page(request: Request, current: Current, paging: Paging, filters: Filters) -> Response:
    listing = unconfirmed_listing(filters)
    ecosystems = current.ecosystems()
    title = "unconfirmed orphans"
    return _list_page(
        request, current, listing, paging, filters, "unconfirmed.html", title=title, ecosystems=ecosystems
    )


@reads.get("/manifests/unknown")
def manifests_unknown_page(request: Request, current: Current, paging: Paging, filters: Filters) -> Response:
    listing = manifests_unknown_listing(filters)
    title = "manifests unknown"
    return _list_page(request, current, listing, paging, filters, "manifests_unknown.html", title=title)


@reads.get("/repos")
def repos_page(request: Request, current: Current, paging: Paging, filters: Filters) -> Response:
    return _list_page(
        request,
        current,
        repos_listing(filters),
        paging,
        filters,
        "repos.html",
        title="repositories",
        statuses=REPO_STATUSES,
        ecosystems=current.ecosystems(),
        verdicts=VERDICTS,
    )


@reads.get("/packages/{which}")
def package_rows_page(
    request: Request,
    current: Current,
    which: Annotated[str, PathParameter(pattern="^(published|declared)$")],
    paging: Paging,
    package: Annotated[str, Query(max_length=600)],
) -> Response:
    """Every registry row (published) or manifest (declared) of one package, paged like the other lists."""
    ecosystem, normalized = package_key(package)
    listing = (publishers_listing if which == "published" else declarations_listing)(ecosystem, normalized)
    with current.engine.connect() as connection:
        view = ListView(
            request, read(connection, listing, paging, ListFilters()), f"/api/packages/{which}", True
        )
    title = f"{ecosystem}/{normalized}: {which}"
    return render(request, "package_rows.html", title=title, view=view, which=which, package=package)
