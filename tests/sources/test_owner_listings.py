"""GitHub Packages is an owner-level cost: six listings per owner, shared by every repository of the owner,
also when its repositories are scanned at the same moment (they wait for the one listing on its way)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina

from distscout.http import UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.store.repos import list_repos
from distscout.worker.batch import BatchScan
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import settings_for, upstreams_for
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
