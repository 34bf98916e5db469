"""The persisted ETag cache: an unchanged rescan from a new process costs no GitHub rate limit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import stamina
from sqlalchemy import Engine, event, select

from distscout.emulator.server import EmulatorServer
from distscout.store.http_cache import StoreConditionalCache
from distscout.store.repos import list_repos
from distscout.store.schema import repo_distribution, repo_distribution_manifest
from distscout.upstreams import build_upstreams
from distscout.worker.batch import BatchScan
from tests.sources.helpers import settings_for
from tests.store.helpers import Clock, tracked

REPOS = ["BurntSushi/ripgrep", "vitejs/vite", "pallets/flask", "square/okhttp"]


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


async def _scan_all(engine: Engine, server: EmulatorServer, **overrides: Any) -> list[Any]:
    settings = settings_for(server, **overrides)
    upstreams = build_upstreams(settings, cache=StoreConditionalCache(engine))  # as a new process would
    try:
        with engine.connect() as connection:
            targets = list(list_repos(connection))
        return await BatchScan(engine, upstreams, settings).run(targets)
    finally:
        await upstreams.aclose()


def _evidence(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.connect() as connection:
        registry = connection.execute(
            select(
                repo_distribution.c.repo_id,
                repo_distribution.c.package_name,
                repo_distribution.c.source,
                repo_distribution.c.version_count,
            )
        ).all()
        manifests = connection.execute(
            select(
                repo_distribution_manifest.c.repo_id,
                repo_distribution_manifest.c.manifest_path,
                repo_distribution_manifest.c.package_name_declared,
            )
        ).all()
    return {("r", *row) for row in registry} | {("m", *row) for row in manifests}


async def test_unchanged_rescan_is_free_and_identical(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    """REST only: every GitHub and ecosyste.ms answer of the rescan is a free 304."""
    rest = {"github_graphql": False, "ecosystems_bulk": False}
    engine = tracked(database_url, REPOS, Clock.real())
    first = await _scan_all(engine, corpus_emulator, **rest)
    before = _evidence(engine)
    first_cost = corpus_emulator.stats()["github"]["rate_limit_cost"]
    corpus_emulator.reset()
    second = await _scan_all(engine, corpus_emulator, **rest)
    stats = corpus_emulator.stats()
    assert {r.verdict.value for r in first + second} == {"complete"}
    assert first_cost > 0 and stats["github"]["rate_limit_cost"] == 0, "every GitHub answer was a free 304"
    assert stats["github"]["requests"] > 0 and stats["ecosystems"]["rate_limit_cost"] == 0
    assert "/repos/{owner}/{repo}/git/blobs/{sha}" not in stats["github"]["by_route"], (
        "a blob is immutable by SHA: an unchanged tree needs no manifest reads at all"
    )
    assert _evidence(engine) == before, "a 304 stands for the cached body: the evidence is identical"


async def test_unchanged_rescan_through_graphql_costs_one_metadata_query(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    """Batched GraphQL: the rescan asks the metadata query; unchanged trees and releases ask nothing more."""
    engine = tracked(database_url, REPOS, Clock.real())
    first = await _scan_all(engine, corpus_emulator)
    before = _evidence(engine)
    corpus_emulator.reset()
    second = await _scan_all(engine, corpus_emulator)
    stats = corpus_emulator.stats()["github"]
    assert {r.verdict.value for r in first + second} == {"complete"}
    assert stats["by_route"].get("/graphql") == 1, "one query: the metadata of all four repositories"
    assert stats["rate_limit_cost"] == 1, "1 point for the query; every 304 of the Packages listings is free"
    assert not any("/git/" in route or "/releases" in route for route in stats["by_route"])
    assert _evidence(engine) == before, "reused trees, blobs and releases give the same evidence"


async def test_cache_round_trip_survives_a_new_instance(sqlite_url: str) -> None:
    from distscout.http.cache import CachedAnswer
    from distscout.store.engine import open_engine

    engine = open_engine(sqlite_url)
    cache = StoreConditionalCache(engine)
    cache.store("https://x/a?b=1", CachedAnswer('W/"e1"', b'{"a": 1}', "application/json"))
    assert await StoreConditionalCache(engine).lookup("https://x/a?b=1") is None, "buffered until flushed"
    cache.flush()
    again = await StoreConditionalCache(engine).lookup("https://x/a?b=1")
    assert again is not None and again.stored_at is not None, "kept with the time it was stored"
    assert replace(again, stored_at=None) == CachedAnswer('W/"e1"', b'{"a": 1}', "application/json")
    cache.store("https://x/a?b=1", CachedAnswer('W/"e2"', b"[]", ""))
    cache.flush()
    latest = await StoreConditionalCache(engine).lookup("https://x/a?b=1")
    assert latest is not None and replace(latest, stored_at=None) == CachedAnswer('W/"e2"', b"[]", "")


async def test_lookups_in_one_turn_of_the_loop_share_one_query(sqlite_url: str) -> None:
    from sqlalchemy import event

    from distscout.http.cache import CachedAnswer
    from distscout.store.engine import open_engine

    engine = open_engine(sqlite_url)
    writer = StoreConditionalCache(engine)
    for n in range(30):
        writer.store(f"https://x/{n}", CachedAnswer(f'"e{n}"', f"[{n}]".encode()))
    writer.flush()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    cache = StoreConditionalCache(engine)
    found = await asyncio.gather(*(cache.lookup(f"https://x/{n}") for n in range(40)))
    assert [a.body if a else None for a in found] == [f"[{n}]".encode() for n in range(30)] + [None] * 10
    assert sum("FROM http_cache" in s for s in statements) == 1, statements
    assert await cache.lookup("https://x/3") == found[3], "remembered: no query"
    assert sum("FROM http_cache" in s for s in statements) == 1


async def test_a_cached_page_keeps_its_next_page_link(database_url: str, emulator_factory: Any) -> None:
    packages = [{"name": f"image-{i:03}", "package_type": "container"} for i in range(150)]
    world = {
        "format": 1,
        "repos": [
            {"url": "https://github.com/big/a", "files": {"README.md": "a"}, "github_packages": packages},
            {
                "url": "https://github.com/big/b",
                "files": {"README.md": "b"},
                "github_packages": [{"name": "zzz-last", "package_type": "container"}],
            },
        ],
        "packages": [],
    }
    server = emulator_factory(world)
    engine = tracked(database_url, ["big/a", "big/b"], Clock.real())
    await _scan_all(engine, server)
    before = _evidence(engine)
    assert len([e for e in before if e[0] == "r"]) == 151, "two pages of the owner's listing"
    await _scan_all(engine, server)  # every page answered 304 from the cache
    assert _evidence(engine) == before, "page two is still read on the rescan"


async def test_a_kept_404_round_trips_with_its_status_and_time(database_url: str) -> None:
    from datetime import UTC, datetime

    from distscout.http.cache import CachedAnswer
    from distscout.store.engine import open_engine

    engine = open_engine(database_url)
    stored_at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    StoreConditionalCache(engine).store(
        "kept:https://x/p", CachedAnswer("", b"{}", status=404, stored_at=stored_at)
    )
    cache = StoreConditionalCache(engine)
    assert await cache.lookup("kept:https://x/p") is None
    writer = StoreConditionalCache(engine)
    writer.store("kept:https://x/p", CachedAnswer("", b"{}", status=404, stored_at=stored_at))
    writer.flush()
    found = await StoreConditionalCache(engine).lookup("kept:https://x/p")
    engine.dispose()
    assert found is not None and (found.status, found.stored_at, found.etag) == (404, stored_at, "")


async def test_an_older_buffered_answer_never_replaces_a_newer_one_stored_by_another_process(
    database_url: str,
) -> None:
    """Two processes, one database: the one holding an older copy in its buffer reads the newer copy the
    other stored (its window renewed), and neither its next flush nor a flush that never read it puts
    the older copy back."""
    from datetime import UTC, datetime

    from distscout.http.cache import CachedAnswer
    from distscout.store.engine import open_engine

    engine = open_engine(database_url)
    earlier, later = datetime(2026, 12, 5, 9, 0, tzinfo=UTC), datetime(2026, 12, 5, 9, 10, tzinfo=UTC)
    old, new = (
        CachedAnswer('"old"', b"[1]", stored_at=earlier),
        CachedAnswer('"new"', b"[2]", stored_at=later),
    )
    reading, blind = StoreConditionalCache(engine), StoreConditionalCache(engine)
    reading.store("https://x/listing", old)
    blind.store("https://x/listing", old)
    other = StoreConditionalCache(engine)
    other.store("https://x/listing", new)
    other.flush()
    assert await reading.lookup("https://x/listing", newer_than=later) == new
    writes: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: writes.append(args[2]))
    reading.flush()
    assert not any("INTO http_cache" in statement for statement in writes), "dropped from its buffer"
    blind.flush()
    found = await StoreConditionalCache(engine).lookup("https://x/listing")
    engine.dispose()
    assert found == new


async def test_an_answer_stored_without_a_time_is_newer_than_any_copy_read_back(database_url: str) -> None:
    """A fresh answer that does not say when it was stored is stamped as it is buffered: a copy of the
    same key read from the database while it waits (stored earlier by another process) never takes its
    place, and the flush writes it."""
    from datetime import UTC, datetime, timedelta

    from distscout.http.cache import CachedAnswer
    from distscout.store.engine import open_engine

    engine = open_engine(database_url)
    other = StoreConditionalCache(engine)
    other.store(
        "https://x/fp", CachedAnswer('"old"', b"[1]", stored_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    other.flush()
    cache = StoreConditionalCache(engine)
    cache.store("https://x/fp", CachedAnswer('"new"', b"[2]"))
    found = await cache.lookup("https://x/fp", newer_than=datetime.now(UTC) + timedelta(days=1))  # a read
    cache.flush()
    stored = await StoreConditionalCache(engine).lookup("https://x/fp")
    engine.dispose()
    assert found is not None and found.etag == '"new"'
    assert stored is not None and stored.etag == '"new"'
