"""What service handlers return, how requests are routed on the raw path, and helpers the services share."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlencode

from distscout.emulator.budget import Window

JSON_TYPE = "application/json; charset=utf-8"
_PARAM = re.compile(r"\{(\w+)\}")
_PARAM_SPLIT = re.compile(r"(\{\w+\})")


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    media_type: str = JSON_TYPE
    etag: str | None = None
    points: int = 0  # GraphQL points charged for this answer (GitHub's /graphql)


def json_reply(payload: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode(), tuple(headers))


def with_etag(reply: Reply, weak: bool = False) -> Reply:
    """The reply with an ETag over its body (GitHub sends strong ones, Rails apps weak ones)."""
    tag = '"' + hashlib.sha1(reply.body, usedforsecurity=False).hexdigest() + '"'
    return replace(reply, etag="W/" + tag if weak else tag)


def etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    """If-None-Match semantics: weak comparison, a list of tags, or '*'."""
    if not if_none_match or etag is None:
        return False
    wanted = etag.removeprefix("W/")
    return any(
        tag == "*" or tag.removeprefix("W/") == wanted for tag in map(str.strip, if_none_match.split(","))
    )


@dataclass(frozen=True, slots=True)
class Call:
    """One request as a handler sees it: decoded path parameters, query, and where the API lives."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    query_items: Sequence[tuple[str, str]]
    path: str  # the raw path below the service prefix, as the client sent it
    query_string: str
    api_base: str  # e.g. http://127.0.0.1:8123/github
    headers: Mapping[str, str]
    client: str  # the caller's address: GitHub and ecosyste.ms budget anonymous callers per IP
    body: bytes = b""
    quota: Window | None = None  # the caller's rate-limit window, for routes that report it
    method: str = "GET"


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str  # what the stats count under, e.g. /repos/{owner}/{repo}/contents/{path}
    handler: Handler
    pattern: re.Pattern[str]
    cacheable: bool  # the answer depends only on the request line (and Accept), so it can be reused
    free: bool  # does not count against the caller's rate limit (GitHub's /rate_limit)


def route(
    method: str,
    template: str,
    handler: Handler,
    *,
    rest: str = "",
    cacheable: bool = True,
    free: bool = False,
) -> Route:
    """A route on the raw path: `{name}` matches one segment; the one named `rest` any (or no) segments."""

    def group(match: re.Match[str]) -> str:
        name = match[1]
        return f"(?P<{name}>.*)" if name == rest else f"(?P<{name}>[^/]+)"

    pattern = "".join(
        _PARAM.sub(group, part) if part.startswith("{") else re.escape(part)
        for part in _PARAM_SPLIT.split(template)
    )
    return Route(method, template, handler, re.compile(pattern), cacheable, free)


class RouteTable:
    """Routes grouped by their first path segment, so a request is tried against a handful of patterns."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_head: dict[str, list[Route]] = {}
        for item in routes:
            self._by_head.setdefault(item.template.split("/")[1], []).append(item)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for candidate in self._by_head.get(path.split("/", 2)[1] if path.startswith("/") else "", ()):
            found = candidate.pattern.fullmatch(path)
            if found and candidate.method == method:
                return candidate, {name: unquote(value) for name, value in found.groupdict().items()}
        return None


def page_window(query: Mapping[str, str], default: int, maximum: int) -> tuple[int, int]:
    """(per_page, page) as GitHub reads them: bad values fall back to the defaults, per_page is clamped."""
    per_page = _positive(query.get("per_page"), default)
    return min(per_page, maximum), _positive(query.get("page"), 1)


def _positive(text: str | None, default: int) -> int:
    try:
        value = int(text) if text is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def link_header(call: Call, page: int, per_page: int, total: int, *, with_last: bool = True) -> str | None:
    """A Link header (first/prev/next/last) for page `page` of `total` items."""
    last = max(1, -(-total // per_page))
    links = []
    if page > 1:
        links += [(min(page - 1, last), "prev"), (1, "first")]
    if page < last:
        links.insert(0, (page + 1, "next"))
        if with_last:
            links.append((last, "last"))
    if not links:
        return None
    kept = [(k, v) for k, v in call.query_items if k not in ("page", "per_page")]
    url = f"{call.api_base}{call.path}?"
    return ", ".join(
        f'<{url}{urlencode([*kept, ("per_page", per_page), ("page", number)])}>; rel="{rel}"'
        for number, rel in links
    )


def stable_id(*parts: str) -> int:
    """A deterministic positive id (below 2**31) for an object the world does not number."""
    return int(hashlib.sha1("\x00".join(parts).encode(), usedforsecurity=False).hexdigest()[:7], 16) + 1


def iso_seconds(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
