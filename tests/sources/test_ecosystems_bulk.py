"""ecosyste.ms bulk_lookup: one request for concurrent scans, grouped per URL; bad answers lose no rows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx

from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.repos import parse_repo_ref
from distscout.sources import ecosystems
from distscout.sources.base import SourceResult
from distscout.sources.ecosystems import BULK_RESULT_CAP, EcosystemsBatcher

A, B = parse_repo_ref("acme/widget"), parse_repo_ref("acme/gadget")


def record(url: str, name: str) -> dict[str, object]:
    return {"name": name, "ecosystem": "npm", "repository_url": url, "versions_count": 1}


def client_for(bulk: Callable[[list[str]], httpx.Response], seen: list[str]) -> UpstreamClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/bulk_lookup"):
            return bulk(json.loads(request.content)["repository_urls"])
        url = request.url.params["repository_url"]
        return httpx.Response(200, json=[record(url, "single")])

    config = UpstreamConfig(name="ecosystems", base_url="https://eco.example", attempts=1)
    return UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(handler))


async def collect_both(client: UpstreamClient) -> list[SourceResult]:
    bulk = EcosystemsBatcher(client, window=0.001)
    return list(await asyncio.gather(*(ecosystems.collect(client, r, bulk=bulk) for r in (A, B))))


async def test_one_bulk_request_answers_each_url_with_its_own_records() -> None:
    seen: list[str] = []
    answer = lambda urls: httpx.Response(200, json=[record(A.url.upper(), "widget")])  # noqa: E731
    widget, gadget = await collect_both(client_for(answer, seen))
    assert seen == ["/api/v1/packages/bulk_lookup"]
    assert [r.package_name for r in widget.registry] == ["widget"], "matched ignoring case"
    assert widget.outcome is Outcome.OK and gadget.outcome is Outcome.MISS and not gadget.registry


async def test_a_capped_bulk_answer_is_not_trusted_each_url_is_looked_up_alone() -> None:
    seen: list[str] = []
    full = [record(A.url, f"p{i}") for i in range(BULK_RESULT_CAP)]
    widget, gadget = await collect_both(client_for(lambda urls: httpx.Response(200, json=full), seen))
    assert seen.count("/api/v1/packages/lookup") == 2
    assert [r.package_name for r in widget.registry] == ["single"]
    assert [r.package_name for r in gadget.registry] == ["single"]


async def test_a_malformed_bulk_answer_is_transient_not_empty() -> None:
    seen: list[str] = []
    malformed = lambda urls: httpx.Response(200, json={"error": "oops"})  # noqa: E731
    results = await collect_both(client_for(malformed, seen))
    assert {r.outcome for r in results} == {Outcome.TRANSIENT}
    assert all(not r.captures for r in results), "nothing stored: the previous rows are kept"


async def test_without_bulk_lookup_the_single_lookup_answers_from_then_on() -> None:
    seen: list[str] = []
    missing = lambda urls: httpx.Response(404, json={"error": "not found"})  # noqa: E731
    client = client_for(missing, seen)
    bulk = EcosystemsBatcher(client, window=0.001)
    first = await ecosystems.collect(client, A, bulk=bulk)
    second = await ecosystems.collect(client, B, bulk=bulk)
    assert seen.count("/api/v1/packages/bulk_lookup") == 1
    assert [r.package_name for r in (*first.registry, *second.registry)] == ["single", "single"]
