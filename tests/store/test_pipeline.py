"""The collection pipeline end to end, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import stamina
from sqlalchemy import select, text, update

from distscout.ecosystems import normalize_name
from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.results import Verdict
from distscout.store.claims import claim_next, due_queries
from distscout.store.queries import fleet_stats, orphans, repo_report
from distscout.store.repos import iter_repos, list_repos
from distscout.store.rotation import backoff
from distscout.store.schema import captures, repos, scan_runs
from tests.corpus import repos as corpus_repos
from tests.databases import postgresql_only
from tests.emulator.fixtures import EmulatorFactory
from tests.store.helpers import Clock, row_counts, scan_due, tracked

CORPUS = list(corpus_repos())
CORPUS_ORPHANS = {
    ("conda-forge/pip-feedstock", "recipe/meta.yaml"),
    ("conda-forge/requests-feedstock", "recipe/recipe.yaml"),
    ("synthetic/legacy-setup", "setup.py"),
}
CADENCE = timedelta(days=180)


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


async def test_corpus_end_to_end(database_url: str, corpus_emulator: EmulatorServer) -> None:
    clock = Clock()
    engine = tracked(database_url, [r.url for r in CORPUS], clock)
    reports = await scan_due(engine, corpus_emulator, clock)
    assert len(reports) == len(CORPUS) and {r.verdict for r in reports} == {Verdict.COMPLETE}
    with engine.connect() as connection:
        stats = fleet_stats(connection)
        found_orphans = {(o["repo"], o["manifest_path"]) for o in orphans(connection)}
        cards = {r.slug: repo_report(connection, parse_repo_ref(r.url)) for r in CORPUS}
    assert (stats.total, stats.scanned, stats.orphans, stats.archived) == (40, 40, 3, 2)
    assert stats.with_registry == sum(1 for r in CORPUS if r.expected["published"])
    assert found_orphans == CORPUS_ORPHANS
    for repo in CORPUS:
        card = cards[repo.slug]
        assert card is not None
        rows = {(d["ecosystem"], d["normalized_name"]) for d in card["distribution"]}
        for package in repo.expected["published"]:
            assert (package["ecosystem"], normalize_name(package["ecosystem"], package["name"])) in rows, (
                repo.slug
            )
        manifests = {m["manifest_path"]: m for m in card["manifests"]}
        for path, want in repo.expected["manifests"].items():
            if want["name"] is not None:
                assert manifests[path]["package_name_declared"] == want["name"], (repo.slug, path)
            if want["published"]:
                assert manifests[path]["intent"], (repo.slug, path)


async def test_rescans_accumulate_history(database_url: str, corpus_emulator: EmulatorServer) -> None:
    clock = Clock()
    engine = tracked(database_url, ["BurntSushi/ripgrep", "vitejs/vite", "synthetic/tricky-names"], clock)
    counts = []
    for _ in range(3):
        assert len(await scan_due(engine, corpus_emulator, clock)) == 3
        counts.append(row_counts(engine))
        clock.advance(days=181)
    current = counts[0]["repo_distribution"], counts[0]["repo_distribution_manifest"]
    assert all((c["repo_distribution"], c["repo_distribution_manifest"]) == current for c in counts)
    assert [c["repo_distribution_history"] for c in counts] == [0, current[0], 2 * current[0]]
    assert [c["repo_distribution_manifest_history"] for c in counts] == [0, current[1], 2 * current[1]]
    assert counts[-1]["scan_runs"] == 9
    with engine.connect() as connection:
        card = repo_report(connection, parse_repo_ref("BurntSushi/ripgrep"))
    assert card is not None and len(card["history"]["scans"]) == 3
    assert all(p["present"] and p["first_seen"] < p["last_seen"] for p in card["history"]["packages"])


async def test_outage_gives_partial_scans_reclaimed_first(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = _world(6)
    server = emulator_factory(world, {"ecosystems": {"error_rate": 1.0}})
    clock = Clock()
    engine = tracked(database_url, [r["url"] for r in world["repos"][:3]], clock)
    reports = await scan_due(engine, server, clock)
    assert {r.verdict for r in reports} == {Verdict.PARTIAL}
    with engine.begin() as connection:  # three more repos arrive, never scanned
        from distscout.store.repos import add_repos

        add_repos(connection, [parse_repo_ref(r["url"]) for r in world["repos"][3:]], clock())
    server.set_faults(None)
    clock.advance(minutes=1)
    claim = claim_next(engine, clock(), CADENCE)
    assert claim is not None and claim.partial, "a partial scan is re-claimed before never-run repos"
    from distscout.store.claims import release

    release(engine, claim)
    reports = await scan_due(engine, server, clock)
    assert [r.verdict for r in reports] == [Verdict.COMPLETE] * 6
    assert [r.repo for r in reports[:3]] == [
        r["url"].removeprefix("https://github.com/") for r in world["repos"][:3]
    ]
    with engine.connect() as connection:
        assert fleet_stats(connection).partial == 0


async def test_partial_scan_keeps_the_failed_sources_previous_rows(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = _world(1)
    server = emulator_factory(world)
    clock = Clock()
    engine = tracked(database_url, [world["repos"][0]["url"]], clock)
    await scan_due(engine, server, clock)
    before, captured = _sources(engine), _captured(engine)
    server.set_faults({"depsdev": {"error_rate": 1.0}})
    clock.advance(days=181)
    assert [r.verdict for r in await scan_due(engine, server, clock)] == [Verdict.PARTIAL]
    assert _sources(engine) == before, "deps.dev's rows survive its outage"
    assert _captured(engine) == captured, "and its captures; the sources that answered replaced theirs"


async def _ten_windows(
    engine: Any, server: EmulatorServer, clock: Clock, verdict: Verdict
) -> list[timedelta]:
    """Ten scans in a row ending `verdict`, each as soon as it is due: the wait each one left (0: none),
    checked to hold (nothing claimed a second before it ends)."""
    windows = []
    for attempt in range(1, 11):
        (report,) = await scan_due(engine, server, clock)
        assert report.verdict is verdict
        state = _state(engine)
        assert state["distribution_failed_attempts"] == attempt, "unfinished scans in a row"
        retry_at = state["distribution_retry_at"]
        windows.append(timedelta(0) if retry_at is None else retry_at - clock())
        if attempt < 10 and windows[-1]:
            clock.advance(seconds=windows[-1].total_seconds() - 1)
            assert claim_next(engine, clock(), CADENCE) is None, "inside the backoff window"
            clock.advance(seconds=1)
    return windows


async def test_backoff_schedule_and_sideline(database_url: str, emulator_factory: EmulatorFactory) -> None:
    world = _world(1)
    down = {name: {"error_rate": 1.0} for name in ("depsdev", "ecosystems", "github")}
    server = emulator_factory(world, down)
    clock = Clock()
    engine = tracked(database_url, [world["repos"][0]["url"]], clock)
    windows = await _ten_windows(engine, server, clock, Verdict.FAILED)
    assert windows[:3] == [timedelta(minutes=2), timedelta(minutes=8), timedelta(minutes=18)]
    assert windows[:9] == [backoff(n) for n in range(1, 10)]
    state = _state(engine)
    assert state["distribution_last_run"] == clock(), "the 10th failure stamps last_run: sidelined"
    assert claim_next(engine, clock() + CADENCE - timedelta(seconds=1), CADENCE) is None
    assert row_counts(engine)["repo_distribution"] == 0, "a failed scan stores nothing"


async def test_a_repository_that_keeps_ending_partial_backs_off(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    """Re-claimed at once after one partial scan (a blip), then after 120 s × (n−1)² for the n-th partial in
    a row, sidelined until the cadence at the 10th: a source failing the same way every time was asked
    again in a loop (ten scans in 25 s, a reviewer's run), and opened the upstream's breaker for the fleet."""
    world = _world(1)
    server = emulator_factory(world, {"ecosystems": {"error_rate": 1.0}})
    clock = Clock()
    engine = tracked(database_url, [world["repos"][0]["url"]], clock)
    windows = await _ten_windows(engine, server, clock, Verdict.PARTIAL)
    assert windows[:4] == [timedelta(0), timedelta(minutes=2), timedelta(minutes=8), timedelta(minutes=18)]
    assert windows[9] == CADENCE, "the 10th: sidelined until the cadence"
    assert claim_next(engine, clock() + CADENCE - timedelta(seconds=1), CADENCE) is None
    server.set_faults(None)
    clock.advance(seconds=CADENCE.total_seconds())
    assert [r.verdict for r in await scan_due(engine, server, clock)] == [Verdict.COMPLETE]
    state = _state(engine)
    assert state["distribution_failed_attempts"] == 0 and state["distribution_retry_at"] is None


async def test_archived_repos_are_never_claimed(database_url: str, corpus_emulator: EmulatorServer) -> None:
    clock = Clock()
    engine = tracked(database_url, ["dart-lang/path", "pallets/flask"], clock)
    await scan_due(engine, corpus_emulator, clock)  # the first scan learns the archived flag
    clock.advance(days=400)
    reports = await scan_due(engine, corpus_emulator, clock)
    assert [r.repo for r in reports] == ["pallets/flask"]
    with engine.connect() as connection:
        runs = connection.execute(select(scan_runs.c.repo_id)).scalars().all()
    assert len(runs) == 3


@postgresql_only
def test_claim_queries_are_index_scans(database_url: str) -> None:
    clock = Clock()
    engine = tracked(database_url, [f"o/r{i}" for i in range(5000)], clock)
    with engine.begin() as connection:
        connection.execute(
            update(repos)
            .where(repos.c.id % 3 == 0)
            .values(distribution_last_run=clock(), distribution_scan_complete=True)
        )
        connection.execute(text("ANALYZE repos"))
        for query in due_queries(clock(), CADENCE, partial_first=True):
            compiled = (
                query.with_only_columns(repos.c.id)
                .limit(16)
                .with_for_update(skip_locked=True, of=repos)
                .compile(engine, compile_kwargs={"literal_binds": True})
            )
            plan = "\n".join(connection.execute(text(f"EXPLAIN {compiled}")).scalars())
            assert "Index" in plan and "Seq Scan" not in plan, plan


def _world(count: int) -> dict[str, Any]:
    return {
        "format": 1,
        "repos": [
            {
                "url": f"https://github.com/fleet/repo-{i:04}",
                "files": {"package.json": f'{{"name": "pkg-{i}"}}'},
            }
            for i in range(count)
        ],
        "packages": [
            {
                "ecosystem": "npm",
                "name": f"pkg-{i}",
                "repository_url": f"https://github.com/fleet/repo-{i:04}",
                "versions": [{"version": "1.0.0", "published_at": "2024-01-01T00:00:00Z"}],
            }
            for i in range(count)
        ],
    }


def _sources(engine: Any) -> set[tuple[str, str]]:
    from distscout.store.schema import repo_distribution

    with engine.connect() as connection:
        return set(
            connection.execute(select(repo_distribution.c.source, repo_distribution.c.package_name)).all()
        )


def _captured(engine: Any) -> Counter[tuple[str, str]]:
    """How many captures of each (source, kind) the store holds."""
    with engine.connect() as connection:
        return Counter(
            (row.source, row.kind) for row in connection.execute(select(captures.c.source, captures.c.kind))
        )


def _state(engine: Any) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(select(repos)).one()._mapping)


async def test_an_archived_repos_partial_first_scan_is_completed_once(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = _world(1)
    world["repos"][0]["archived"] = True
    server = emulator_factory(world, {"ecosystems": {"error_rate": 1.0}})
    clock = Clock()
    engine = tracked(database_url, [world["repos"][0]["url"]], clock)
    assert [r.verdict for r in await scan_due(engine, server, clock)] == [Verdict.PARTIAL]
    server.set_faults(None)
    clock.advance(minutes=1)
    assert [r.verdict for r in await scan_due(engine, server, clock)] == [Verdict.COMPLETE]
    clock.advance(days=400)
    assert await scan_due(engine, server, clock) == [], "archived: no cadence rescans"


async def test_dispatcher_runs_the_settled_hook_at_start_and_after_a_cycle(
    database_url: str, corpus_emulator: EmulatorServer
) -> None:
    from distscout.worker.dispatcher import Dispatcher
    from tests.sources.helpers import settings_for, upstreams_for

    clock = Clock()
    engine = tracked(database_url, ["pallets/flask", "psf/requests"], clock)
    settled: list[int] = []
    settings = settings_for(corpus_emulator, start_interval=0)
    async with upstreams_for(corpus_emulator) as upstreams:
        dispatcher = Dispatcher(
            engine,
            upstreams,
            settings,
            now=clock,
            idle_poll=0.01,
            exit_when_idle=True,
            on_settled=lambda: settled.append(dispatcher.stats.finished),
        )
        stats = await dispatcher.run()
    assert stats.finished == 2 and settled == [0, 2], "at start-up, then once after the cycle settled"


def test_iter_repos_reads_every_repository_once_a_page_at_a_time(database_url: str) -> None:
    names = [f"acme/repo-{i}" for i in range(7)]
    engine = tracked(database_url, names, Clock.real())
    paged = [repo.ref.full_name for repo in iter_repos(engine, page=3)]
    assert paged == names
    with engine.connect() as connection:
        assert [r.ref.full_name for r in list_repos(connection)] == paged
