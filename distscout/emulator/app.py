"""The emulator as one Starlette app: deps.dev, ecosyste.ms, GitHub and GitLab under path prefixes on one
port.

    /depsdev/...     deps.dev v3            /ecosystems/...  ecosyste.ms packages     /github/...  GitHub REST
    /gitlab/api/v4/...  GitLab REST v4 (gitlab.com; a self-hosted base URL `…/gitlab` serves the same world)
    GET  /_emulator/stats    answered requests per service and route template, and their rate-limit cost
                             (GitHub: REST requests charged plus GraphQL points; `graphql_points` alone)
    POST /_emulator/reset    zero the counters, the rate-limit budgets and the fault plan's state
    POST /_emulator/faults   replace the fault plan (body: a fault plan, see faults.py)

Requests are routed on the raw path (scope `raw_path`), so the percent-encoding a client really sent decides
which route matches, as upstream.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import replace
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from distscout.emulator.budget import Limits
from distscout.emulator.depsdev import DepsdevService
from distscout.emulator.ecosystems import EcosystemsService
from distscout.emulator.faults import (
    SERVICES,
    Clock,
    ConnectionFault,
    FaultPlanError,
    FaultsInput,
    FaultState,
    load_fault_plan,
)
from distscout.emulator.github import GithubService
from distscout.emulator.gitlab import GitlabService
from distscout.emulator.model import World
from distscout.emulator.replies import Call, Reply
from distscout.emulator.service import Service

PREFIXES = {name: f"/{name}" for name in SERVICES}
UNMATCHED = "(unmatched)"
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


class Emulator:
    """The four services over one world, their counters and fault plan, and the ASGI app serving them."""

    def __init__(
        self,
        world: World,
        faults: FaultsInput = None,
        *,
        clock: Clock | None = None,
        limits: Limits | None = None,
    ) -> None:
        limits = limits or Limits()
        self.world = world
        self.clock: Clock = clock or time.time
        self.started_at = self.clock()
        self.services: dict[str, Service] = {
            "depsdev": DepsdevService(world, limits),
            "ecosystems": EcosystemsService(world, limits),
            "github": GithubService(world, limits),
            "gitlab": GitlabService(world, limits),
        }
        # The server thread answers while tests read stats or swap faults from theirs.
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[Counter[str], list[int]]] = {}  # routes, [cost, graphql points]
        self.set_faults(faults)
        self._clear_counts()
        self.app = Starlette(
            routes=[
                Route("/_emulator/stats", self._stats_route, methods=["GET"]),
                Route("/_emulator/reset", self._reset_route, methods=["POST"]),
                Route("/_emulator/faults", self._faults_route, methods=["POST"]),
                Route("/{rest:path}", self._answer, methods=_METHODS),
            ]
        )

    def set_faults(self, faults: FaultsInput) -> None:
        """Install a fault plan (FaultPlan, dict, JSON file, or None for none); raises FaultPlanError."""
        plan = load_fault_plan(faults)
        with self._lock:
            self._plan = plan
            self._faults = {name: FaultState(plan.for_service(name), name) for name in SERVICES}
            for name, service in self.services.items():
                service.set_quirks(plan.quirks_for(name))

    def reset(self) -> None:
        """Zero the counters and the rate-limit budgets, and restart the fault plan's random streams."""
        with self._lock:
            self._clear_counts()
            for service in self.services.values():
                service.reset()
            self._faults = {name: FaultState(self._plan.for_service(name), name) for name in SERVICES}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {name: self._service_stats(name) for name in self._counts}

    def _service_stats(self, name: str) -> dict[str, Any]:
        routes, (cost, points) = self._counts[name]
        answer: dict[str, Any] = {
            "requests": sum(routes.values()),
            "by_route": dict(routes),
            "rate_limit_cost": cost,
        }
        if self.services[name].reports_points:
            answer["graphql_points"] = points
        return answer

    def _clear_counts(self) -> None:
        self._counts = {name: (Counter(), [0, 0]) for name in SERVICES}

    async def _answer(self, request: Request) -> Response:
        raw_path = (request.scope.get("raw_path") or request.scope["path"].encode()).decode("latin-1")
        name, _, rest = raw_path.removeprefix("/").partition("/")
        service = self.services.get(name)
        if service is None:
            return JSONResponse(
                {"error": f"no such service {name!r}; try {', '.join(PREFIXES.values())}"}, 404
            )
        with self._lock:
            faults = self._faults[name].for_path("/" + rest)
            rolls = faults.roll()
        if faults.faults.latency_ms:
            await asyncio.sleep(faults.faults.latency_ms / 1000)
        call = await _call(request, "/" + rest, PREFIXES[name])
        matched = service.routes.match(request.method, call.path)
        with self._lock:
            now = self.clock()
            injected = faults.inject(rolls, now - self.started_at, now)
            if injected is not None:
                reply, charged = service.refuse(injected, call, now), False
            else:
                reply, charged = service.serve(call, matched, now)
            wire = faults.connection_fault(rolls) if injected is None and reply.status == 200 else None
            routes, cost = self._counts[name]
            routes[matched[0].template if matched else UNMATCHED] += 1
            cost[0] += service.cost(reply, charged)
            cost[1] += reply.points
        return on_the_wire(reply, wire, faults.faults.drip_ms, now)

    async def _stats_route(self, request: Request) -> Response:
        return JSONResponse(self.stats())

    async def _reset_route(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"reset": True})

    async def _faults_route(self, request: Request) -> Response:
        try:
            self.set_faults(await request.json())
        except ValueError as exc:  # FaultPlanError, or a body that is not JSON
            message = str(exc) if isinstance(exc, FaultPlanError) else f"the body is not JSON: {exc}"
            return JSONResponse({"error": message}, 400)
        return JSONResponse({"faults": "installed"})


async def _call(request: Request, path: str, prefix: str) -> Call:
    scope = request.scope
    host = request.headers.get("host") or "{}:{}".format(*scope.get("server") or ("127.0.0.1", 80))
    return Call(
        params={},
        query=request.query_params,
        query_items=request.query_params.multi_items(),
        path=path,
        query_string=scope.get("query_string", b"").decode("latin-1"),
        api_base=f"{scope.get('scheme', 'http')}://{host}{prefix}",
        headers=request.headers,
        client=request.client.host if request.client else "unknown",
        body=await request.body() if request.method in ("POST", "PUT", "PATCH") else b"",
        method=request.method,
    )


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>502</title></head><body><h1>Bad gateway</h1></body></html>"
)


def on_the_wire(reply: Reply, fault: ConnectionFault | None, drip_ms: float, now: float) -> Response:
    """The response as the client meets it: whole, or with its connection-level fault."""
    if fault == "cut":
        reply = replace(reply, body=reply.body[: len(reply.body) // 2] or b"<", etag=None)
    elif fault == "html":
        reply = replace(reply, body=HTML_ERROR_PAGE, media_type="text/html", etag=None)
    if fault == "garbage":  # the protocol (garble.py) swaps the status line of a marked answer
        reply = replace(reply, headers=(*reply.headers, ("x-emulator-fault", "garbage")))
    response = _response(reply, now)
    if fault == "reset":
        return DroppedMidBody(response)
    if fault == "drip":
        return DrippingBody(response, drip_ms / 1000)
    return response


class DroppedMidBody(Response):
    """Headers promising the whole body, half of it, then the connection is dropped (the ASGI app ends
    without finishing the body: uvicorn closes the connection)."""

    def __init__(self, whole: Response) -> None:
        self.whole = whole
        super().__init__(status_code=whole.status_code)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = self.whole.body
        await send(
            {
                "type": "http.response.start",
                "status": self.whole.status_code,
                "headers": self.whole.raw_headers,
            }
        )
        await send(
            {"type": "http.response.body", "body": bytes(body[: max(1, len(body) // 2)]), "more_body": True}
        )


class DrippingBody(Response):
    """The whole body, 256 bytes at a time, `pause` seconds apart: a slow link or an overloaded server."""

    def __init__(self, whole: Response, pause: float) -> None:
        self.whole, self.pause = whole, pause
        super().__init__(status_code=whole.status_code)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytes(self.whole.body)
        await send(
            {
                "type": "http.response.start",
                "status": self.whole.status_code,
                "headers": self.whole.raw_headers,
            }
        )
        for start in range(0, len(body), 256):
            await send({"type": "http.response.body", "body": body[start : start + 256], "more_body": True})
            await asyncio.sleep(self.pause)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _response(reply: Reply, now: float) -> Response:
    """The Starlette response; `Date` is the emulator's clock (RFC 7231) unless the service wrote its own
    (GitHub's, shifted by its clock-skew quirk). uvicorn adds none (server.py), so there is exactly one."""
    headers = dict(reply.headers)
    if not any(name.lower() == "date" for name in headers):
        headers["date"] = formatdate(now, usegmt=True)
    if reply.etag is not None:
        headers["etag"] = reply.etag
    media_type = None if reply.status == 304 else reply.media_type
    return Response(reply.body, reply.status, headers, media_type)
