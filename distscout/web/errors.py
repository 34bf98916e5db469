"""Every error is a small JSON body (`{"error": …}`) on API routes and an escaped HTML page on the
dashboard: never a traceback. Routes document the error statuses they can answer."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from distscout.store.outage import unavailable, why

log = logging.getLogger("distscout.web")

_MEANING = {
    400: "bad request",
    401: "the API token is missing or wrong",
    404: "not found",
    409: "conflict with the current state",
    422: "a parameter is malformed",
    503: "not available: the database is unavailable (Retry-After), or admin routes are closed until an API "
    "token is configured",
}


class ErrorBody(BaseModel):
    error: str


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entry for these error statuses."""
    return {status: {"model": ErrorBody, "description": _MEANING[status]} for status in statuses}


def install(app: FastAPI, page_error: Any) -> None:
    """`page_error(request, status, message)` renders the dashboard's error page."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this class only
        message = str(exc.detail)
        if _wants_html(request):
            return page_error(request, exc.status_code, message, exc.headers)  # type: ignore[no-any-return]
        return JSONResponse({"error": message}, exc.status_code, headers=exc.headers)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this class only
        body = await request.body() if any(e.get("type") == "json_invalid" for e in exc.errors()) else b""
        problems = [_problem(e, body) for e in exc.errors()]
        message = "; ".join(problems[:5])
        if _wants_html(request):
            return page_error(request, 422, message, None)  # type: ignore[no-any-return]
        return JSONResponse({"error": message}, 422)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the server log"}, 500)

    async def database_error(request: Request, exc: Exception) -> Response:
        # Its own handler, not `unexpected`'s: Starlette re-raises what reaches the catch-all, and the
        # server would log a traceback for each request while the database restarts.
        service = getattr(request.app.state, "service", None)
        if service is None or not unavailable(exc, service.engine):
            return await unexpected(request, exc)
        log.warning("database unavailable on %s: %s", request.url.path, why(exc))
        message, headers = "the database is unavailable; try again shortly", {"Retry-After": "5"}
        if _wants_html(request):
            return page_error(request, 503, message, headers)  # type: ignore[no-any-return]
        return JSONResponse({"error": message}, 503, headers=headers)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(Exception, unexpected)


# What a malformed parameter should look like, in words: pydantic would quote the regular expression.
_FORMATS = {
    "package": "expected ecosystem/name, like pypi/requests or npm/@scope/name",
    "owner": "expected a GitHub owner: letters, digits, '-', '_' or '.'",
    "name": "expected a repository name: letters, digits, '-', '_' or '.', at most 100",
    "host": "expected a forge's host name, like gitlab.com",
}


def _problem(error: Any, body: bytes = b"") -> str:
    """One validation error in the user's words: which parameter, and what it should look like."""
    loc = error.get("loc", ())
    if error.get("type") == "json_invalid":
        return "body: " + _json_problem(
            body, loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None, error
        )
    where = ".".join(str(part) for part in loc if part not in ("query", "path", "body"))
    if error.get("type") == "string_pattern_mismatch":
        return f"{where}: {_FORMATS.get(where, 'not in the expected format')}"
    return f"{where or 'request'}: {error.get('msg', 'invalid')}"


def _json_problem(body: bytes, position: int | None, error: Any) -> str:
    """Where the JSON body stops being JSON: its line and column, and what the parser expected there."""
    reason = str((error.get("ctx") or {}).get("error") or "not JSON")
    if position is None:
        return f"invalid JSON: {reason}"
    before = body[:position].decode("utf-8", "replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"invalid JSON at line {line}, column {column}: {reason}"


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(("/api/", "/metrics", "/openapi", "/docs", "/healthz"))
