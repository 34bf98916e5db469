"""The GraphQL part of claimed scans is asked ahead, together: queries fill whatever the worker count."""

from __future__ import annotations

import asyncio
from typing import Any

from distscout.repos import parse_repo_ref
from distscout.sources.ahead import METADATA, Ahead, result_of
from distscout.store.repos import list_repos
from distscout.worker.batch import BatchScan
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

REPOS = 60


def _world(tag: str) -> dict[str, Any]:
    """Repositories with a manifest at the root and one a level down, over a few owners (`tag`: whose)."""
    return {
        "format": 1,
        "repos": [
            {
                "url": f"https://github.com/{tag}{i % 4}/r{i}",
                "files": {
                    "package.json": f'{{"name": "pkg-{i}"}}',
                    "py/setup.cfg": f"[metadata]\nname = py-{i}\n",
                },
            }
            for i in range(REPOS)
        ],
        "packages": [],
    }


async def _scan(database_url: str, emulator_factory: EmulatorFactory, workers: int) -> dict[str, Any]:
    world = _world(tag := f"w{workers}-")  # one database for both runs: their own repositories
    server = emulator_factory(world)
    clock = Clock()
    engine = tracked(database_url, [r["url"] for r in world["repos"]], clock)
    settings = settings_for(server, workers=workers, database_url=database_url)
    async with upstreams_for(server) as upstreams:
        with engine.connect() as connection:
            targets = [r for r in list_repos(connection) if r.ref.owner.startswith(tag)]
        reports = await BatchScan(engine, upstreams, settings, now=clock).run(targets)
        assert upstreams.graphql is not None
        batches = upstreams.graphql.batches
    engine.dispose()
    return {
        "batches": batches,
        "points": server.stats()["github"]["graphql_points"],
        "verdicts": [str(r.verdict and r.verdict.value) for r in reports],
        "manifests": sorted(r.manifest_rows for r in reports),
    }


async def test_four_workers_fill_graphql_queries_as_sixty_four_do(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    few = await _scan(database_url, emulator_factory, workers=4)
    many = await _scan(database_url, emulator_factory, workers=64)
    assert few["verdicts"] == many["verdicts"] == ["complete"] * REPOS
    assert few["manifests"] == many["manifests"]
    # 60 repositories claimed 50 at a time: 2 chunks; a tree query carries up to 10 trees.
    assert few["batches"]["metadata"] <= 2, few["batches"]
    assert few["batches"]["tree"] <= REPOS // 10 + 2, few["batches"]
    assert few["points"] <= many["points"] + 2, (few, many)


async def test_work_started_ahead_is_taken_once_and_the_oldest_repositories_are_let_go() -> None:
    ahead = Ahead(most=2)
    a, b, c = (parse_repo_ref(f"acme/{name}") for name in "abc")

    async def answer(value: int) -> int:
        await asyncio.sleep(0)
        return value

    first = ahead.start(a, METADATA, answer(1))
    ahead.start(a, "manifests", answer(2))
    ahead.start(b, METADATA, answer(3))
    ahead.start(c, METADATA, answer(4))  # one repository too many: the oldest one's entries go, together
    assert a not in ahead and len(ahead) == 2
    assert await result_of(first) is None, "let go: the scan asks for itself"
    taken = ahead.take(b, METADATA)
    assert taken is not None and await result_of(taken) == 3
    assert ahead.take(b, METADATA) is None and b not in ahead, "taken once: a later scan asks again"
    leftover = ahead.start(c, "manifests", answer(5))  # c's metadata taken, one source's result left
    assert ahead.take(c, METADATA) is not None and c in ahead and not ahead.waiting(c)
    ahead.drop(c)  # claimed again: what its last scan left is let go before a fresh start
    assert c not in ahead and await result_of(leftover) is None
    ahead.cancel()
    assert len(ahead) == 0
