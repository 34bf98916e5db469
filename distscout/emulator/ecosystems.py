"""ecosyste.ms packages API as the emulator serves it (upstream-apis.md §2): lookup, bulk_lookup, and the
per-registry registry and package records.

`repository_url` matches exactly, ignoring case only: `http://`, `.git` or trailing-slash variants find
nothing, as upstream (a world's link spelled `git+https://….git` is not found by its https URL). Packages
without a link, or with `reverse_indexed: false`, are left out of every repository -> package lookup; their
names still answer. Every answer carries the `x-ratelimit-*` headers of the caller's hourly window
(clock-hour aligned); the tier is `polite` when an email is in `mailto=` or the User-Agent.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from packageurl import PackageURL

from distscout.emulator.budget import Budgets, Limits, Window
from distscout.emulator.ecosystems_records import (
    PURL_ECOSYSTEMS,
    REGISTRY_ECOSYSTEMS,
    package_record,
    registry_of,
    registry_record,
    served_ecosystem,
)
from distscout.emulator.faults import Injected
from distscout.emulator.model import Package, World, registry_key
from distscout.emulator.quirks import EcosystemsQuirks
from distscout.emulator.replies import Call, Reply, Route, json_reply, link_header, page_window, route
from distscout.emulator.service import Service

_EMAIL = re.compile(r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}")
_BULK_MAX_RESULTS = 1000
_RATE_LIMITED = {"error_msg": "Rate limit exceeded. See https://ecosyste.ms/api for details."}

Record = dict[str, Any]


class EcosystemsService(Service):
    name = "ecosystems"
    etags: ClassVar = "weak"  # Rails' fresh_when

    def __init__(self, world: World, limits: Limits) -> None:
        super().__init__(world, limits)
        self.budgets = Budgets(aligned_to_hour=True, period=self.limits.hour_seconds)

    def build_routes(self) -> Iterable[Route]:
        by_url: dict[str, list[Record]] = defaultdict(list)
        by_name: dict[tuple[str, str], list[Record]] = defaultdict(list)
        known = [
            (package, package_record(package))
            for package in self.world.packages
            if "ecosystems" in package.sources
        ]
        for package, record in known:
            # a package with no link, or not indexed yet, is found by its name only
            if package.repository_url is not None and package.in_reverse_index:
                by_url[package.repository_url.lower()].append(record)
            by_name[(served_ecosystem(package), package.name.lower())].append(record)
        self._by_registry = _registry_index(known)
        self._by_url = {url: tuple(records) for url, records in by_url.items()}
        self._by_name = {key: tuple(records) for key, records in by_name.items()}
        return (
            route("GET", "/api/v1/packages/lookup", self._lookup),
            route("POST", "/api/v1/packages/bulk_lookup", self._bulk_lookup, cacheable=False),
            route("GET", "/api/v1/registries/{registry}", self._registry),
            # `id: /.*/` in the service's routes: a name's slashes may come encoded or not
            route(
                "GET", "/api/v1/registries/{registry}/packages/{name}", self._registry_package, rest="name"
            ),
        )

    def error(self, status: int, message: str) -> Reply:
        return json_reply(_RATE_LIMITED if status == 429 else {"error": message}, status)

    def caller_budget(self, call: Call, now: float) -> Window:
        key = call.headers.get("apikey") or call.query.get("apikey")
        if key:
            return self.budgets.window(f"key:{key}", self.limits.ecosystems_api_key_per_hour, "api_key", now)
        polite = _EMAIL.search(call.query.get("mailto", "")) or _EMAIL.search(
            call.headers.get("user-agent", "")
        )
        tier, limit = (
            ("polite", self.limits.ecosystems_polite_per_hour)
            if polite
            else ("anonymous", self.limits.ecosystems_anonymous_per_hour)
        )
        return self.budgets.window(f"{tier}:{call.client}", limit, tier, now)

    def quota_headers(self, window: Window) -> tuple[tuple[str, str], ...]:
        return (
            ("x-ratelimit-limit", str(window.limit)),
            ("x-ratelimit-remaining", str(window.remaining)),
            ("x-ratelimit-reset", str(window.reset_at)),
            ("x-ratelimit-tier", window.tier),
        )

    def refusal(self, injected: Injected, window: Window | None) -> Reply:
        return self.error(
            injected.status, "Service Unavailable" if injected.kind == "outage" else "Internal Server Error"
        )

    def _lookup(self, call: Call) -> Reply:
        query = call.query
        if "repository_url" in query:
            found = self._by_url.get(query["repository_url"].lower(), ())
        elif query.get("purl", "").startswith("pkg:github/"):
            slug = query["purl"].removeprefix("pkg:github/").partition("@")[0].partition("?")[0]
            found = self._by_url.get(f"https://github.com/{slug}".lower(), ())
        elif "ecosystem" in query and "name" in query:
            found = self._by_name.get((query["ecosystem"], query["name"].lower()), ())
        else:
            return self.error(400, "repository_url, purl or ecosystem and name is required")
        if "ecosystem" in query:
            found = tuple(record for record in found if record["ecosystem"] == query["ecosystem"])
        return self._page(call, found)

    def _registry(self, call: Call) -> Reply:
        ecosystem = REGISTRY_ECOSYSTEMS.get(call.params["registry"])
        return self.error(404, "Not Found") if ecosystem is None else json_reply(registry_record(ecosystem))

    def _registry_package(self, call: Call) -> Reply:
        # As the service's show action: the name as asked, else (PyPI) its normalized form, else the name
        # lower-cased, each an exact match. So `Foo` finds a package published as `foo`, not the other way.
        names = self._by_registry.get(call.params["registry"])
        name = call.params["name"]
        if names is None or not name:
            return self.error(404, "Not Found")
        ecosystem = REGISTRY_ECOSYSTEMS[call.params["registry"]]
        fallback = registry_key(ecosystem, name) if ecosystem == "pypi" else name.lower()
        record = names.get(name) or names.get(fallback)
        return self.error(404, "Not Found") if record is None else json_reply(record)

    def _page(self, call: Call, found: Sequence[Record]) -> Reply:
        per_page, page = page_window(call.query, 100, 1000)
        rows = found[(page - 1) * per_page : page * per_page]
        headers = [("current-page", str(page)), ("page-items", str(len(rows)))]
        link = link_header(call, page, per_page, len(found), with_last=False)
        return json_reply(list(rows), headers=[*headers, ("link", link)] if link else headers)

    def _bulk_lookup(self, call: Call) -> Reply:
        # As the service's controller does: one of repository_urls / purls / names, an optional ecosystem,
        # at most 1,000 packages in the answer. The repository_urls form goes through a model scope that
        # downcases its argument with `try(:downcase)`: nil for an Array, so as deployed it finds nothing.
        try:
            body = json.loads(call.body or b"null")
        except ValueError:
            return self.error(400, "the body is not JSON")
        if not isinstance(body, dict):
            return self.error(400, "repository_urls, purls or names is required")
        wanted = body.get("ecosystem")
        if "repository_urls" in body:
            found = self._bulk_by_url(body["repository_urls"])
        elif "purls" in body:
            if isinstance(body["purls"], list) and len(body["purls"]) > _BULK_MAX_PURLS:
                return self.error(400, f"Maximum {_BULK_MAX_PURLS} PURLs allowed per request")
            found = self._bulk_by_name([_purl_key(p) for p in _strings(body["purls"])])
        elif "names" in body:
            found = self._bulk_by_exact_name(_strings(body["names"]), wanted)
        else:
            return self.error(400, "repository_urls, purls or names is required")
        results: dict[int, Record] = {}
        for record in found:
            if wanted is None or record["ecosystem"] == wanted:
                results.setdefault(record["id"], record)
        return json_reply(list(results.values())[:_BULK_MAX_RESULTS])

    def _bulk_by_url(self, urls: Any) -> list[Record]:
        if not isinstance(urls, list):  # one string goes through the scope as the single lookup does
            return list(self._by_url.get(urls.lower(), ())) if isinstance(urls, str) else []
        quirks = self.quirks
        if not isinstance(quirks, EcosystemsQuirks) or quirks.bulk_repository_urls == "as_deployed":
            return []
        return [record for url in _strings(urls) for record in self._by_url.get(url.lower(), ())]

    def _bulk_by_name(self, keys: Iterable[tuple[str, str] | None]) -> list[Record]:
        return [record for key in keys if key is not None for record in self._by_name.get(key, ())]

    def _bulk_by_exact_name(self, names: list[str], wanted: Any) -> list[Record]:
        # a plain `where(name: names)` upstream: exact names, case included
        keys = [(where, name.lower()) for name in names for where in self._ecosystems_of(name, wanted)]
        exact = set(names)
        return [record for record in self._bulk_by_name(keys) if record["name"] in exact]

    def _ecosystems_of(self, name: str, wanted: Any) -> list[str]:
        if isinstance(wanted, str):
            return [wanted]
        return [ecosystem for ecosystem, known in self._by_name if known == name.lower()]


_BULK_MAX_PURLS = 100


def _registry_index(known: Iterable[tuple[Package, Record]]) -> dict[str, dict[str, Record]]:
    """Registry name -> package name as published (PyPI: also PEP 503-normalized) -> record; every registry
    the service knows has an entry, however few packages the world gives it."""
    index: dict[str, dict[str, Record]] = {registry: {} for registry in REGISTRY_ECOSYSTEMS}
    for package, record in known:
        names = index[registry_of(package)]
        names[package.name] = record
        if package.ecosystem == "pypi":
            names.setdefault(registry_key("pypi", package.name), record)
    return index


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _purl_key(purl: str) -> tuple[str, str] | None:
    """(ecosystem, lower-case name) of a package URL, in the service's spelling of both."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    name = f"{parsed.namespace}/{parsed.name}" if parsed.namespace else parsed.name
    if parsed.type == "maven" and parsed.namespace:
        name = f"{parsed.namespace}:{parsed.name}"
    return PURL_ECOSYSTEMS.get(parsed.type, parsed.type), name.lower()
