"""A token that cannot see GitHub Packages: scans complete, the blind spot counted, older rows kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_next
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, repo_report
from distscout.store.repos import add_repos
from distscout.worker.runner import run_claim, utc_now
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import settings_for, upstreams_for

WIDGET = parse_repo_ref("acme/widget")


async def scan_once(server: EmulatorServer, url: str, now: datetime) -> str:
    """Claim the one tracked repository as due at `now`, scan it by the worker's path: the verdict."""
    engine = open_engine(url)
    try:
        async with upstreams_for(server) as upstreams:
            claim = claim_next(engine, now, timedelta(days=180))
            assert claim is not None
            report = await run_claim(engine, upstreams, settings_for(server, database_url=url), claim)
    finally:
        engine.dispose()
    return report.verdict.value if report.verdict else "lost"


async def test_packages_not_visible_is_counted_and_the_older_rows_kept(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = tiny_world()
    world["repos"][0]["github_packages"] = [{"name": "widget", "package_type": "npm"}]
    server = emulator_factory(world)
    engine = open_engine(database_url)
    with engine.begin() as connection:
        add_repos(connection, [WIDGET], utc_now())
    assert await scan_once(server, database_url, utc_now()) == "complete"
    with engine.connect() as connection:
        seen = repo_report(connection, WIDGET)
        assert fleet_stats(connection).packages_not_visible == 0
    assert seen is not None and seen["unseen"] == {}
    packages = [r for r in seen["distribution"] if r["source"] == "github_packages"]
    assert [r["package_name"] for r in packages] == ["@acme/widget"]

    server.set_faults({"github": {"quirks": {"token_scopes": ["repo"]}}})
    a_year_on = utc_now() + timedelta(days=365)
    assert await scan_once(server, database_url, a_year_on) == "complete", "nothing to retry: complete"
    with engine.connect() as connection:
        blind = repo_report(connection, WIDGET)
        assert fleet_stats(connection).packages_not_visible == 1
    engine.dispose()
    assert blind is not None and blind["unseen"] == {"github_packages": "not_visible"}
    kept = [r for r in blind["distribution"] if r["source"] == "github_packages"]
    assert kept == packages, "evidence never seen again is kept, not dropped as 'no packages'"
