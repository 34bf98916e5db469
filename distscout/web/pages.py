"""The dashboard: server-rendered pages over the same reads as the API. Templates autoescape everything;
package names and manifest paths are hostile input, so no data is ever marked safe."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParameter
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from distscout.ecosystems import PackageRefError, parse_package_ref
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
from distscout.store.queries import coverage_by_ecosystem, fleet_stats, package_search, verdict_counts
from distscout.triage import NAME_MATCHED, ORPHAN_VERDICTS, VERDICTS, Verdict
from distscout.web.api import package_key
from distscout.web.auth import COOKIE, require_reader, service, sessions, token_matches
from distscout.web.charts import trend_chart
from distscout.web.paged import ListView, Paging, flag, parse_flag, read
from distscout.web.service import Service
from distscout.web.status import (
    ForgePath,
    Host,
    Name,
    Owner,
    forge_repo_ref,
    integrity_panel,
    repo_ref,
    tracked_repo,
    worker_status,
)

TEMPLATES = Path(__file__).parent / "templates"
Current = Annotated[Service, Depends(service)]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    env.filters["repo_path"] = repo_path
    env.filters["when"] = when
    env.filters["percent"] = percent
    env.globals["package_url"] = package_url
    env.globals["flag"] = flag
    return env


router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
reads = APIRouter(
    include_in_schema=False, default_response_class=HTMLResponse, dependencies=[Depends(require_reader)]
)


def repo_path(full_name: str) -> str:
    """The dashboard URL of a repository (`owner/name`, or `host/path` off GitHub): each segment
    percent-encoded."""
    return "/repos/" + "/".join(quote(segment, safe="") for segment in full_name.split("/"))


def package_url(ecosystem: str, name: str) -> str:
    """The dashboard's view of a package: who publishes it, who declares it."""
    return "/packages?" + urlencode({"package": f"{ecosystem}/{name}"})


def when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else "-"


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


templates = Jinja2Templates(env=_environment())


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    current = service(request)
    context.setdefault("title", template.removesuffix(".html"))
    context["workers_here"] = current.dispatcher is not None
    context["protected"] = current.settings.protect_reads
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def page_error(request: Request, status: int, message: str, headers: dict[str, str] | None) -> Response:
    response = render(request, "error.html", status, title=f"error {status}", status=status, message=message)
    response.headers.update(headers or {})
    return response


@reads.get("/")
def overview(request: Request, current: Current) -> Response:
    with current.engine.connect() as connection:
        fleet = fleet_stats(connection).as_dict()
        coverage = coverage_by_ecosystem(connection)
    trends = current.trends(TREND_POINTS)
    chart = trend_chart(trends)
    return render(
        request, "overview.html", title="fleet", fleet=fleet, coverage=coverage, trends=trends, chart=chart
    )


TREND_POINTS = 60


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


@reads.get("/repos/{owner}/{name}")
def repo_page(request: Request, current: Current, owner: Owner, name: Name) -> Response:
    return _repo_page(request, tracked_repo(current, repo_ref(owner, name)))


@reads.get("/repos/{host}/{path:path}")
def forge_repo_page(request: Request, current: Current, host: Host, path: ForgePath) -> Response:
    return _repo_page(request, tracked_repo(current, forge_repo_ref(current, host, path)))


def _repo_page(request: Request, report: dict[str, Any]) -> Response:
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in report["distribution"]:
        by_source.setdefault(row["source"], []).append(row)
    return render(request, "repo.html", title=report["repo"], report=report, by_source=by_source)


SEARCH_ROWS = 200  # per list on the search page; the API gives up to 1000, and says when it cut


@reads.get("/packages")
def packages_page(
    request: Request, current: Current, package: Annotated[str, Query(max_length=600)] = ""
) -> Response:
    found, problem = None, None
    if package.strip():
        try:
            ecosystem, name = parse_package_ref(package)
        except PackageRefError as exc:
            problem = str(exc)
        else:
            with current.engine.connect() as connection:
                found = package_search(connection, ecosystem, name, SEARCH_ROWS)
    status = 422 if problem else 200
    return render(
        request, "packages.html", status, title="search", package=package, found=found, problem=problem
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


@reads.get("/integrity")
def integrity_page(request: Request, current: Current) -> Response:
    return render(request, "integrity.html", panel=integrity_panel(current))


@reads.get("/workers")
async def workers_page(request: Request, current: Current) -> Response:
    status = await asyncio.to_thread(worker_status, current)
    return render(request, "workers.html", workers=status, preflight=await current.preflight.latest())


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "login.html", title="sign in", failed=False)


@router.post("/login")
async def login(request: Request, current: Current) -> Response:
    """Reads are protected: a signed session in an HttpOnly, same-site cookie lets pages be read."""
    address = request.client.host if request.client else "unknown"
    book = sessions(request)
    wait = book.retry_after(address)
    if wait:
        message = f"too many wrong tokens from this address: try again in {wait} s"
        page = render(request, "login.html", 429, title="sign in", failed=False, throttled=message)
        page.headers["Retry-After"] = str(wait)
        return page
    # A one-field form, parsed here: not worth a multipart dependency (the body is bounded by the guard).
    fields = parse_qs((await request.body())[:4096].decode("utf-8", "replace"))
    token = (fields.get("token") or [""])[0]
    if not token_matches(current, token):
        book.failed(address)
        return render(request, "login.html", 401, title="sign in", failed=True)
    book.succeeded(address)
    response = RedirectResponse("/", status_code=303)
    hours = current.settings.session_hours
    response.set_cookie(
        COOKIE,
        book.issue(token, hours),
        max_age=int(hours * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out: the cookie is deleted, and this server refuses it from now on."""
    sessions(request).end(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """The API reference, rendered here from the OpenAPI document (no CDN: it works offline)."""
    return render(request, "docs.html", title="API", operations=operations(request.app.openapi()))


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of an OpenAPI document: method, path, who may call it, summary and parameters."""
    found = []
    for path, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "access": ", ".join(operation.get("tags", [])) or "-",
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p.get("name", ""),
                            "where": p.get("in", ""),
                            "required": bool(p.get("required")),
                            "type": p.get("schema", {}).get("type", ""),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                }
            )
    return found
