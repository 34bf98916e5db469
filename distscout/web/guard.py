"""The gate in front of the app: checks that cost nothing, before any route reads a byte of the body.

- **Host.** Only the names the server answers to (`allowed_hosts`; by default loopback and the configured
  `host`): a page on attacker.example whose name a DNS-rebinding trick points at 127.0.0.1 sends
  `Host: attacker.example`, and is refused before it can read the fleet.
- **Admin token first.** `/api/admin/…` is refused without its token before the body is read, so an
  anonymous caller cannot make the server parse a body at all.
- **Body size.** A body larger than `max_request_bytes` is refused with 413: at once when Content-Length
  says so, or as soon as a chunked body passes the limit — never read further.

Pure ASGI (not a BaseHTTPMiddleware, which would buffer the body this is meant to bound).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from fastapi import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from distscout.web.auth import require_admin

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("", "0.0.0.0", "::")  # noqa: S104 - names of a wildcard bind, compared, never bound here


def allowed_host_names(configured: Iterable[str], bind_host: str) -> frozenset[str]:
    """The Host names to answer: loopback, the bind address (unless a wildcard) and the configured ones.
    Loopback names are always safe: a rebinding page arrives under its own, foreign name."""
    names = [name.strip().lower().strip("[]") for name in configured if name.strip()]
    bound = [bind_host.lower().strip("[]")] if bind_host not in WILDCARDS else []
    return frozenset([*LOOPBACK_NAMES, *bound, *names])


def exposure_warning(bind_host: str, configured: Iterable[str]) -> str | None:
    """What `serve` should say at start: on a wildcard bind with no `allowed_hosts`, clients that use the
    machine's name or address get 400 — the Host check answers loopback names only."""
    if bind_host in WILDCARDS and not any(name.strip() for name in configured):
        return (
            f"listening on {bind_host or 'every address'}, but only loopback Host names are answered: "
            'set allowed_hosts to the names clients use (or "*")'
        )
    return None


def host_name(header: str) -> str:
    """`example.org:8080` → `example.org`; `[::1]:8080` → `::1`; lower-case."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], max_body: int) -> None:
        self.app, self.hosts, self.max_body = app, hosts, max_body
        # A chunked body is counted as it is read, by Starlette's own limiter (FastAPI turns its error
        # into a 413 through the app's error handlers, so it is JSON like every other error).
        self.bounded = RequestBodyLimitMiddleware(app, max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if "*" not in self.hosts and host_name(headers.get("host", "")) not in self.hosts:
            await _error(send, 400, "this server does not answer to that Host name (allowed_hosts)")
            return
        if scope["path"].startswith("/api/admin/") or scope["path"] == "/api/admin":
            try:
                require_admin(Request(scope))
            except HTTPException as exc:
                await _error(send, exc.status_code, str(exc.detail), exc.headers)
                return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await _error(send, 413, f"the request body is larger than {self.max_body} bytes")
            return
        await self.bounded(scope, receive, send)


async def _error(send: Send, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-content-type-options", b"nosniff"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
