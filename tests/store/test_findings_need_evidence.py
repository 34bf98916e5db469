"""A finding needs the evidence it rests on: no "unclaimed" where no manifest walk ever answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import stamina

from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_repo
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, orphans, repo_report, unclaimed, unconfirmed_orphans
from distscout.store.repos import add_repos, list_repos
from distscout.worker.runner import run_claim, utc_now
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import settings_for, upstreams_for


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


GITHUB_SPENT = {"github": {"rate_limit": {"after": 0, "retry_after_s": 3600}}}


async def scan_all(server: EmulatorServer, url: str, at_days: float = 0) -> list[str]:
    """Scan every tracked repository once (a forced claim each), through the worker's path."""
    engine = open_engine(url)
    verdicts = []
    try:
        with engine.connect() as connection:
            tracked = [repo.id for repo in list_repos(connection)]
        async with upstreams_for(server) as upstreams:
            for repo_id in tracked:
                claim = claim_repo(engine, repo_id, utc_now() + timedelta(days=at_days))
                assert claim is not None
                report = await run_claim(engine, upstreams, settings_for(server, database_url=url), claim)
                verdicts.append(report.verdict.value if report.verdict else "lost")
    finally:
        engine.dispose()
    return verdicts


def findings(url: str) -> tuple[dict[str, Any], set[str]]:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return fleet_stats(connection).as_dict(), {row["repo"] for row in unclaimed(connection)}
    finally:
        engine.dispose()


async def test_no_unclaimed_from_a_manifest_walk_that_never_answered(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = tiny_world()
    refs = [repo["url"] for repo in world["repos"]]
    engine = open_engine(database_url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref(ref) for ref in refs], utc_now())
    engine.dispose()
    # GitHub's budget is spent from the first request: the registries answer, every manifest walk fails.
    server = emulator_factory(world, GITHUB_SPENT)
    assert set(await scan_all(server, database_url)) == {"partial"}
    stats, listed = findings(database_url)
    assert stats["with_registry"] > 0 and stats["with_manifest"] == 0
    assert (stats["unclaimed"], listed) == (0, set()), "registry rows and no walk: unknown, not unclaimed"
    assert stats["manifests_unknown"] == len(refs)

    server.set_faults(None)  # GitHub answers again: the truth of the same world
    assert set(await scan_all(server, database_url, at_days=365)) == {"complete"}
    stats, listed = findings(database_url)
    assert stats["manifests_unknown"] == 0
    assert stats["unclaimed"] == len(listed)  # only what the complete world has
    complete_world = listed

    server.set_faults(GITHUB_SPENT)  # a later failed walk keeps the answered one: still known
    await scan_all(server, database_url, at_days=730)
    stats, listed = findings(database_url)
    assert (stats["manifests_unknown"], listed) == (0, complete_world)


async def test_an_orphan_is_unconfirmed_while_a_registry_that_could_know_is_silent(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = {
        "format": 1,
        "repos": [{"url": "https://github.com/acme/lonely", "files": {"package.json": '{"name": "lonely"}'}}],
    }
    engine = open_engine(database_url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref("acme/lonely")], utc_now())
    server = emulator_factory(world, {"ecosystems": {"error_rate": 1.0}})
    assert await scan_all(server, database_url) == ["partial"]
    with engine.connect() as connection:
        assert (orphans(connection), fleet_stats(connection).orphans) == ([], 0)
        (waiting,) = unconfirmed_orphans(connection)
        assert fleet_stats(connection).orphans_unconfirmed == 1
    assert (waiting["package_name_declared"], waiting["waiting_on"]) == ("lonely", ["ecosyste.ms"])

    server.set_faults(None)  # ecosyste.ms answers: nothing published under that name anywhere
    assert await scan_all(server, database_url, at_days=365) == ["complete"]
    server.set_faults({"ecosystems": {"error_rate": 1.0}})  # silent again: the answer it gave still counts
    assert await scan_all(server, database_url, at_days=730) == ["partial"]
    with engine.connect() as connection:
        (orphan,) = orphans(connection)
        assert unconfirmed_orphans(connection) == []
        scans = sorted(
            r["finished_at"]
            for r in repo_report(connection, parse_repo_ref("acme/lonely"))["history"]["scans"]
        )
    engine.dispose()
    assert orphan["package_name_declared"] == "lonely"
    # it rests on ecosyste.ms' answer of the second scan, kept through the third: with that answer's date
    answered = orphan["registries_answered_at"]
    assert set(answered) == {"deps_dev_answered_at", "ecosyste_ms_answered_at", "github_packages_answered_at"}
    assert answered["ecosyste_ms_answered_at"] == scans[1] and answered["deps_dev_answered_at"] == scans[2]
