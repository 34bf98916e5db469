"""GitHub Packages is an owner-level cost: six listings per owner, shared by every repository of the owner,
also when its repositories are scanned at the same moment (they wait for the one listing on its way)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import stamina

from distscout.http import MemoryConditionalCache, Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.repos import parse_repo_ref
from distscout.sources import github_packages
from distscout.sources.github_packages import OWNER_LISTING_MEMO
from distscout.store.engine import open_engine
from distscout.store.http_cache import StoreConditionalCache
from distscout.store.repos import list_repos
from distscout.upstreams import Upstreams, build_upstreams
from distscout.worker.batch import BatchScan
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import registry_of, settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

PACKAGE_TYPES = 6  # npm, maven, rubygems, docker, nuget, container


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


async def test_concurrent_askers_of_one_memoized_question_share_one_request() -> None:
    asked: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        await asyncio.sleep(0.01)  # the answer takes a while: the other askers arrive meanwhile
        return httpx.Response(200, json=[{"name": "p"}])

    config = UpstreamConfig(name="github", base_url="https://api.github.test", token="t")
    client = UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(answer))
    answers = await asyncio.gather(
        *(
            client.get("/orgs/acme/packages", params={"package_type": "npm"}, memo_seconds=60)
            for _ in range(8)
        )
    )
    assert all(a.ok and a.data == [{"name": "p"}] for a in answers)
    assert asked == ["/orgs/acme/packages"], "one request for eight askers"
    await client.aclose()


def _one_owner(count: int) -> dict[str, Any]:
    return {
        "format": 1,
        "repos": [
            {"url": f"https://github.com/acme/r{i}", "owner_type": "Organization", "files": {}}
            for i in range(count)
        ],
        "packages": [],
    }


async def test_repositories_of_one_owner_scanned_together_list_its_packages_once(
    sqlite_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = _one_owner(8)
    server = emulator_factory(world)
    clock = Clock()
    engine = tracked(sqlite_url, [r["url"] for r in world["repos"]], clock)
    settings = settings_for(server, workers=8)
    async with upstreams_for(server) as upstreams:
        with engine.connect() as connection:
            targets = list(list_repos(connection))
        reports = await BatchScan(engine, upstreams, settings, now=clock).run(targets)
    assert len(reports) == 8
    routes = server.stats()["github"]["by_route"]
    listings = routes.get("/orgs/{owner}/packages", 0) + routes.get("/users/{owner}/packages", 0)
    assert 0 < listings <= 2 * PACKAGE_TYPES, routes  # at most the user route and the org route, once each
    engine.dispose()


def _owner_with_packages() -> dict[str, Any]:
    world = _one_owner(2)
    world["repos"][0]["github_packages"] = [{"name": "widget", "package_type": "npm"}]
    return world


async def _listings_by_another_process(
    server: Any, engine: Any, clock: FakeClock, repo: str
) -> tuple[Any, int]:
    """`github_packages.collect` for `repo` from a process of its own (its own clients and cache, the
    fleet's database): the result, and the listings the emulator answered meanwhile."""
    upstreams = await _a_process(server, engine, clock)
    try:
        return await _list(upstreams, server, repo)
    finally:
        await upstreams.aclose()  # its cache written to the database, as a worker's is


async def _a_process(server: Any, engine: Any, clock: FakeClock) -> Upstreams:
    """A worker process's clients and cache on the fleet's database, after its first GitHub request (a
    scan's metadata or contents): it knows its token's scopes, as a process does by its first listing."""
    upstreams = build_upstreams(settings_for(server), clock=clock, cache=StoreConditionalCache(engine))
    assert (await upstreams.github.get("/repos/acme/r0")).ok
    return upstreams


async def _list(upstreams: Upstreams, server: Any, repo: str) -> tuple[Any, int]:
    before = _listings(server)
    result = await github_packages.collect(upstreams.github, parse_repo_ref(repo), "Organization")
    return result, _listings(server) - before


def _listings(server: Any) -> int:
    routes = server.stats()["github"]["by_route"]
    return int(routes.get("/orgs/{owner}/packages", 0) + routes.get("/users/{owner}/packages", 0))


async def test_an_owners_listing_is_asked_once_a_window_by_the_whole_fleet(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    server = emulator_factory(_owner_with_packages())
    engine = open_engine(database_url)
    clock = FakeClock(datetime.now(UTC).timestamp())
    first, asked = await _listings_by_another_process(server, engine, clock, "acme/r0")
    assert first.outcome is Outcome.OK and asked == PACKAGE_TYPES
    assert [r.package_name for r in registry_of(first, "acme/r0")] == ["@acme/widget"]

    # another machine of the fleet, within the window: the stored listing, no request
    clock.advance(OWNER_LISTING_MEMO / 2)
    second, asked = await _listings_by_another_process(server, engine, clock, "acme/r0")
    assert asked == 0
    assert second.outcome is Outcome.OK
    assert [c.digest for c in second.captures] == [c.digest for c in first.captures]
    assert [r.package_name for r in registry_of(second, "acme/r0")] == ["@acme/widget"], "the same evidence"

    # past the window the listing is asked again (conditionally), and that answer starts a new window
    clock.advance(OWNER_LISTING_MEMO)
    third, asked = await _listings_by_another_process(server, engine, clock, "acme/r1")
    assert third.outcome is Outcome.OK and asked == PACKAGE_TYPES
    assert registry_of(third, "acme/r1") == ()
    clock.advance(OWNER_LISTING_MEMO / 2)
    _fourth, asked = await _listings_by_another_process(server, engine, clock, "acme/r1")
    assert asked == 0, "a 304 confirmed the listing: the fleet reuses it for another window"
    engine.dispose()


async def test_long_running_processes_see_each_others_listings_within_the_window(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    """Workers run for days: a process that holds an owner's listing from an earlier window reads the one
    another process stored since, and an answer a process asks is in the database at once (not with its
    next batch of cached answers). Nothing is closed or flushed between the steps."""
    server = emulator_factory(_owner_with_packages())
    engine = open_engine(database_url)
    clock = FakeClock(datetime.now(UTC).timestamp())
    a, b = await _a_process(server, engine, clock), await _a_process(server, engine, clock)
    caches = [cache for cache in (a.cache, b.cache) if isinstance(cache, StoreConditionalCache)]

    async def lists(upstreams: Upstreams) -> int:
        result, asked = await _list(upstreams, server, "acme/r0")
        assert result.outcome is Outcome.OK
        assert [r.package_name for r in registry_of(result, "acme/r0")] == ["@acme/widget"]
        for cache in caches:
            await cache.settled()  # the writes under way land; what is only buffered stays buffered
        return asked

    try:
        assert await lists(a) == PACKAGE_TYPES
        clock.advance(OWNER_LISTING_MEMO / 2)
        assert await lists(b) == 0, "a's listing was written at once"
        clock.advance(OWNER_LISTING_MEMO)  # past both memos and the stored answers' window
        assert await lists(b) == PACKAGE_TYPES, "b asks again (304s), and renews the window for the fleet"
        clock.advance(OWNER_LISTING_MEMO / 2)
        assert await lists(a) == 0, "a's own copy is from the last window: it reads b's renewal"
        # a's memo runs to the end of b's window, not a whole window from when a read it
        clock.advance(OWNER_LISTING_MEMO / 2 + 1)
        assert await lists(a) == PACKAGE_TYPES
    finally:
        await a.aclose()
        await b.aclose()
        engine.dispose()


async def test_a_process_whose_token_cannot_read_packages_never_reuses_anothers_listing() -> None:
    """Another machine's listing stands for this one only if this one could have been answered: a token
    known to lack `read:packages` asks itself, and is told `not_visible`, not another machine's packages."""
    cache, clock = MemoryConditionalCache(), FakeClock(datetime.now(UTC).timestamp())  # the fleet's cache

    def machine(scopes: str, listing: httpx.Response) -> UpstreamClient:
        async def answer(request: httpx.Request) -> httpx.Response:
            said = {"x-oauth-scopes": scopes, "etag": '"1"'}
            if request.url.path.endswith("/packages"):
                return httpx.Response(listing.status_code, json=listing.json(), headers=said)
            return httpx.Response(200, json={"name": "r0"}, headers=said)

        config = UpstreamConfig(name="github", base_url="https://api.github.test", token=scopes)
        return UpstreamClient(config, clock=clock, cache=cache, transport=httpx.MockTransport(answer))

    able = machine(
        "repo, read:packages", httpx.Response(200, json=[{"name": "widget", "package_type": "npm"}])
    )
    unable = machine("repo", httpx.Response(403, json={"message": "need read:packages"}))
    try:
        for client in (able, unable):  # each learns its token's scopes from its first request
            assert (await client.get("/repos/acme/r0")).ok
        listed = await github_packages.collect(able, parse_repo_ref("acme/r0"), "Organization")
        assert listed.outcome is Outcome.OK
        assert any(b"widget" in capture.body for capture in listed.captures)
        refused = await github_packages.collect(unable, parse_repo_ref("acme/r0"), "Organization")
        assert refused.outcome is Outcome.NOT_VISIBLE, "its own answer, not the other machine's listing"
        assert not any(b"widget" in capture.body for capture in refused.captures)
    finally:
        await able.aclose()
        await unable.aclose()
