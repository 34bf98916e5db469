"""ecosyste.ms bulk_lookup: one request for concurrent scans, grouped per URL; bad answers lose no rows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from distscout.emulator.server import EmulatorServer
from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.repos import parse_repo_ref
from distscout.results import SourceResult
from distscout.sources import ecosystems
from distscout.sources.ecosystems import BULK_RESULT_CAP, BulkState, EcosystemsBatcher
from tests.corpus import repos
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import registry_of, upstreams_for

A, B, C = (parse_repo_ref(ref) for ref in ("acme/widget", "acme/gadget", "acme/gizmo"))
BULK, LOOKUP = "/api/v1/packages/bulk_lookup", "/api/v1/packages/lookup"


def record(url: str, name: str) -> dict[str, object]:
    return {"name": name, "ecosystem": "npm", "repository_url": url, "versions_count": 1}


KNOWN = {A.url: [record(A.url, "widget")], C.url: [record(C.url, "gizmo")]}  # what single lookups find


def as_documented(urls: list[str]) -> httpx.Response:
    return httpx.Response(200, json=[r for url in urls for r in KNOWN.get(url, [])])


def as_deployed(urls: list[str]) -> httpx.Response:
    return httpx.Response(200, json=[])


def client_for(bulk: Callable[[list[str]], httpx.Response], seen: list[str]) -> UpstreamClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/bulk_lookup"):
            return bulk(json.loads(request.content)["repository_urls"])
        return httpx.Response(200, json=KNOWN.get(request.url.params["repository_url"], []))

    config = UpstreamConfig(name="ecosystems", base_url="https://eco.example", attempts=1)
    return UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(handler))


async def with_canary(client: UpstreamClient) -> EcosystemsBatcher:
    """A batcher whose first single lookup (of A) found packages: A is its canary."""
    bulk = EcosystemsBatcher(client, window=0.001)
    first = await ecosystems.collect(client, A, bulk=bulk)
    assert [r.package_name for r in registry_of(first)] == ["widget"]
    assert (bulk.canary, bulk.state) == (A.url, BulkState.UNPROVEN)
    return bulk


async def collect_together(client: UpstreamClient, bulk: EcosystemsBatcher) -> list[SourceResult]:
    return list(await asyncio.gather(*(ecosystems.collect(client, r, bulk=bulk) for r in (B, C))))


def names(result: SourceResult) -> list[str]:
    return [r.package_name for r in registry_of(result)]


async def test_without_a_canary_no_bulk_request_is_sent() -> None:
    seen: list[str] = []
    client = client_for(as_documented, seen)
    bulk = EcosystemsBatcher(client, window=0.001)
    gadget = await ecosystems.collect(client, B, bulk=bulk)  # found nothing: no canary
    assert seen == [LOOKUP] and bulk.canary is None and gadget.outcome is Outcome.MISS


async def test_a_bulk_answer_holding_the_canary_answers_each_url_with_its_own_records() -> None:
    seen: list[str] = []
    sent: list[list[str]] = []
    client = client_for(lambda urls: sent.append(urls) or as_documented(urls), seen)
    bulk = await with_canary(client)
    gadget, gizmo = await collect_together(client, bulk)
    assert seen == [LOOKUP, BULK] and sent == [[B.url, C.url, A.url]], "the canary rides along"
    assert (gadget.outcome, names(gadget)) == (Outcome.MISS, [])
    assert (gizmo.outcome, names(gizmo)) == (Outcome.OK, ["gizmo"])
    assert bulk.state is BulkState.PROVEN


async def test_the_deployed_bulk_answer_is_not_believed_single_lookups_for_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []
    client = client_for(as_deployed, seen)
    bulk = await with_canary(client)
    gadget, gizmo = await collect_together(client, bulk)
    assert (names(gadget), names(gizmo)) == ([], ["gizmo"]), "the single lookups' evidence, not []"
    assert gizmo.outcome is Outcome.OK
    assert bulk.state is BulkState.BROKEN and "canary" in bulk.reason
    assert "not trusted" in caplog.text
    again = await ecosystems.collect(client, C, bulk=bulk)
    assert names(again) == ["gizmo"]
    assert seen.count(BULK) == 1 and seen.count(LOOKUP) == 4, "one failed bulk, then singles only"


async def test_a_capped_bulk_answer_is_not_trusted_each_url_is_looked_up_alone() -> None:
    seen: list[str] = []
    full = [record(A.url, f"p{i}") for i in range(BULK_RESULT_CAP)]
    client = client_for(lambda urls: httpx.Response(200, json=full), seen)
    gadget, gizmo = await collect_together(client, await with_canary(client))
    assert seen.count(LOOKUP) == 3 and (names(gadget), names(gizmo)) == ([], ["gizmo"])


async def test_a_malformed_bulk_answer_is_transient_not_empty() -> None:
    seen: list[str] = []
    client = client_for(lambda urls: httpx.Response(200, json={"error": "oops"}), seen)
    results = await collect_together(client, await with_canary(client))
    assert {r.outcome for r in results} == {Outcome.TRANSIENT}
    assert all(not r.captures for r in results), "nothing stored: the previous rows are kept"


async def test_without_bulk_lookup_the_single_lookup_answers_from_then_on() -> None:
    seen: list[str] = []
    client = client_for(lambda urls: httpx.Response(404, json={"error": "not found"}), seen)
    bulk = await with_canary(client)
    first = await ecosystems.collect(client, B, bulk=bulk)
    second = await ecosystems.collect(client, C, bulk=bulk)
    assert seen.count(BULK) == 1 and bulk.state is BulkState.BROKEN
    assert names(first) + names(second) == ["gizmo"]


def ecosystems_evidence(result: SourceResult) -> list[tuple[str, str, int | None]]:
    return sorted((r.ecosystem, r.package_name, r.version_count) for r in registry_of(result))


async def corpus_lookups(
    server: EmulatorServer, bulk_on: bool
) -> tuple[dict[str, list[tuple[str, str, int | None]]], BulkState | None]:
    refs = [parse_repo_ref(repo.url) for repo in repos()]
    async with upstreams_for(server, ecosystems_bulk=bulk_on) as upstreams:
        batcher = upstreams.ecosystems_bulk
        found: dict[str, list[tuple[str, str, int | None]]] = {}
        # A first wave finds a canary through single lookups; the rest go out together, as a fleet's do.
        for wave in (refs[:5], refs[5:]):
            results = await asyncio.gather(
                *(ecosystems.collect(upstreams.ecosystems, ref, bulk=batcher) for ref in wave)
            )
            for ref, result in zip(wave, results, strict=True):
                assert result.outcome in (Outcome.OK, Outcome.MISS), (ref, result.detail)
                found[ref.full_name] = ecosystems_evidence(result)
        return found, batcher.state if batcher else None


@pytest.mark.parametrize("behaviour", ["as_deployed", "as_documented"])
async def test_the_corpus_through_bulk_equals_single_lookups(
    corpus_emulator: EmulatorServer, behaviour: str
) -> None:
    single, _ = await corpus_lookups(corpus_emulator, bulk_on=False)
    assert sum(map(len, single.values())) > 40, "the corpus has ecosyste.ms evidence to lose"
    corpus_emulator.set_faults({"ecosystems": {"quirks": {"bulk_repository_urls": behaviour}}})
    corpus_emulator.reset()
    bulk, state = await corpus_lookups(corpus_emulator, bulk_on=True)
    assert bulk == single
    routes = corpus_emulator.stats()["ecosystems"]["by_route"]
    if behaviour == "as_deployed":  # every array answers []: one bulk request, then single lookups
        assert state is BulkState.BROKEN and routes[BULK] == 1 and routes[LOOKUP] == len(single)
    else:  # the bulk form works: the second wave is one request
        assert state is BulkState.PROVEN and routes[BULK] == 1 and routes[LOOKUP] == 5


async def test_a_lookup_with_more_packages_than_a_page_reads_every_page(
    emulator_factory: EmulatorFactory,
) -> None:
    # Its default page is 100 packages (pagy): a monorepo with more must not lose the rest.
    url = "https://github.com/acme/monorepo"
    world = {
        "format": 1,
        "repos": [{"url": url}],
        "packages": [
            {"ecosystem": "npm", "name": f"@acme/p{i}", "repository_url": url, "sources": ["ecosystems"]}
            for i in range(2_500)
        ],
    }
    server = emulator_factory(world)
    async with upstreams_for(server) as upstreams:
        result = await ecosystems.collect(upstreams.ecosystems, parse_repo_ref(url))
    assert result.outcome is Outcome.OK and len(registry_of(result)) == 2_500
    assert server.stats()["ecosystems"]["requests"] == 3 and len(result.captures) == 3
    server.set_faults({"ecosystems": {"rate_limit": {"after": 1, "retry_after_s": 3600}}})
    server.reset()
    async with upstreams_for(server) as upstreams:  # the second page is refused for an hour
        failed = await ecosystems.collect(upstreams.ecosystems, parse_repo_ref(url))
    assert failed.outcome is Outcome.TRANSIENT and not failed.captures, "a partial list is not an answer"


async def test_an_ecosystems_api_key_is_sent_in_its_header_and_never_shown(
    emulator_factory: EmulatorFactory,
) -> None:
    """The commercial tier: 100,000 requests an hour instead of the polite pool's 15,000."""
    server = emulator_factory(tiny_world())
    key = "eco-secret-key-0123456789"
    async with upstreams_for(server, ecosystems_api_key=key) as upstreams:
        fetched = await upstreams.ecosystems.get("/api/v1/repositories/lookup", params={"url": "https://x/y"})
        assert fetched.headers.get("x-ratelimit-tier") == "api_key"
        assert upstreams.ecosystems.rate.limit == 100_000
        assert key not in repr(upstreams.ecosystems.config) and key not in fetched.url
    async with upstreams_for(server) as upstreams:  # without one: the polite pool (polite_email is set)
        fetched = await upstreams.ecosystems.get("/api/v1/repositories/lookup", params={"url": "https://x/y"})
        assert fetched.headers.get("x-ratelimit-tier") == "polite"
