"""A repository GitHub says does not exist is "not found": its own verdict, counted, its evidence kept in
history — never a complete scan with nothing in it (a typo in a fleet file must be noticed)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_repo
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, repo_report
from distscout.store.repos import add_repos, list_repos
from distscout.store.schema import repo_distribution_manifest_history
from distscout.worker.runner import run_claim, utc_now
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import settings_for, upstreams_for

WIDGET, TYPO = parse_repo_ref("acme/widget"), parse_repo_ref("doesnotexist/nope")


async def scan_each(server: EmulatorServer, url: str, days: float) -> dict[str, str]:
    engine = open_engine(url)
    verdicts = {}
    try:
        with engine.connect() as connection:
            tracked = list(list_repos(connection))
        async with upstreams_for(server) as upstreams:
            for repo in tracked:
                claim = claim_repo(engine, repo.id, utc_now() + timedelta(days=days))
                assert claim is not None
                report = await run_claim(engine, upstreams, settings_for(server, database_url=url), claim)
                verdicts[repo.ref.full_name] = report.verdict.value if report.verdict else "lost"
    finally:
        engine.dispose()
    return verdicts


async def test_a_missing_repository_is_not_found_everywhere(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    engine = open_engine(database_url)
    with engine.begin() as connection:
        add_repos(connection, [WIDGET, TYPO], utc_now())
    world = tiny_world()
    verdicts = await scan_each(emulator_factory(world), database_url, days=0)
    assert verdicts == {"acme/widget": "complete", "doesnotexist/nope": "not_found"}
    with engine.connect() as connection:
        stats = fleet_stats(connection)
        shown = {repo.ref.full_name: repo.as_dict()["scan"] for repo in list_repos(connection)}
        typo = repo_report(connection, TYPO)
        before = repo_report(connection, WIDGET)
    assert (stats.not_found, stats.unclaimed, stats.manifests_unknown) == (1, 0, 0)
    assert shown == {"acme/widget": "complete", "doesnotexist/nope": "not_found"}
    assert typo is not None and typo["state"]["not_found"] and "404" in typo["state"]["last_error"]
    assert before is not None and before["manifests"]

    # The repository disappears (deleted, made private): not found; what GitHub showed of it (manifests,
    # releases, Packages) moves to history, and the registries' rows stay what the registries still say.
    world["repos"] = [r for r in world["repos"] if r["url"] != WIDGET.url]
    verdicts = await scan_each(emulator_factory(world), database_url, days=365)
    assert verdicts["acme/widget"] == "not_found"
    with engine.connect() as connection:
        gone = repo_report(connection, WIDGET)
        kept = connection.execute(
            select(func.count()).select_from(repo_distribution_manifest_history)
        ).scalar_one()
        assert fleet_stats(connection).not_found == 2
    engine.dispose()
    assert gone is not None and gone["manifests"] == [] and kept >= len(before["manifests"])
    registries = {(r["source"], r["ecosystem"], r["package_name"]) for r in before["distribution"]}
    still = {(r["source"], r["ecosystem"], r["package_name"]) for r in gone["distribution"]}
    assert still == {row for row in registries if row[0] in ("deps.dev", "ecosyste.ms")}
