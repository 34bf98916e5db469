"""The dashboard's other pages: the fleet overview, a repository, a package search, integrity, workers,
sign-in and the API reference. The lists are in `list_pages`; how pages render is in `rendering`."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from distscout.ecosystems import PackageRefError, parse_package_ref
from distscout.store.queries import coverage_by_ecosystem, fleet_stats, package_search
from distscout.web.auth import COOKIE, sessions, token_matches
from distscout.web.charts import trend_chart
from distscout.web.rendering import Current, page_router, render
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

router = page_router(reads=False)
reads = page_router()


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
