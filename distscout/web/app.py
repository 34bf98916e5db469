"""The FastAPI application: REST API, dashboard, /metrics and /openapi.json, over one `Service`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from distscout import __version__
from distscout.web import admin, api, errors, list_pages, pages, rendering
from distscout.web.guard import Guard, allowed_host_names
from distscout.web.service import Service
from distscout.web.sessions import Sessions

STATIC = Path(__file__).parent / "static"
# Scripts and styles from this server only: even a value that escaped escaping could not run inline code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(service: Service) -> FastAPI:
    app = FastAPI(
        title="distscout",
        version=__version__,
        summary="Where is each repository published, and how does it declare itself?",
        docs_url=None,  # /docs is rendered by the dashboard (pages.api_docs): Swagger UI loads from a CDN
        redoc_url=None,
    )
    app.state.service = service
    app.state.sessions = Sessions()
    errors.install(app, rendering.page_error)
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(pages.reads)
    app.include_router(list_pages.reads)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", tags=["reads"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers (never needs a token)."""
        return {"status": "ok"}

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    settings = service.settings
    hosts = allowed_host_names(settings.allowed_hosts, settings.host)
    app.add_middleware(Guard, hosts=hosts, max_body=settings.max_request_bytes)  # outermost: runs first
    return app
