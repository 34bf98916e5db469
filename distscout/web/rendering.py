"""What every dashboard page is rendered with: the Jinja environment (autoescaping everything: package
names and manifest paths are hostile input, so no data is ever marked safe), its filters, and `render`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from distscout.web.auth import require_reader, service
from distscout.web.paged import flag
from distscout.web.service import Service

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


def page_router(*, reads: bool = True) -> APIRouter:
    """A router of dashboard pages; with `reads`, its pages need a reader when reads are protected."""
    guard = [Depends(require_reader)] if reads else []
    return APIRouter(include_in_schema=False, default_response_class=HTMLResponse, dependencies=guard)


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
