"""GitLab as the second forge: a GitLab project scans complete with the same kinds of evidence as a GitHub
repository (deps.dev, ecosyste.ms, its package registry, release assets, manifests), and is stored, kept
apart from a GitHub repository of the same path, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import stamina
from sqlalchemy import select

from distscout.emulator.model import gitlab_project_id
from distscout.emulator.server import EmulatorServer
from distscout.emulator.world import world_from_dict
from distscout.http import Outcome
from distscout.observations import RegistryObservation
from distscout.repos import parse_repo_ref
from distscout.results import ScanResult, Verdict
from distscout.scanner import scan_repo
from distscout.sources import gitlab_packages
from distscout.store.queries import orphans, repo_report
from distscout.store.repos import list_repos
from distscout.store.rotation import record_scan
from distscout.store.schema import repo_distribution
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.gitlab_world import BIG_FILES, BIG_PACKAGES, gitlab_world
from tests.sources.helpers import manifests_of, registry_of, settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

WIDGET = "https://gitlab.com/acme/old-widget/-/tree/main"  # a former path, with a page's tail


async def _scan(server: EmulatorServer, text: str, **overrides: object) -> ScanResult:
    settings = settings_for(server, **overrides)
    with stamina.set_testing(True, attempts=1):
        async with upstreams_for(server, **overrides) as upstreams:
            return await scan_repo(upstreams, parse_repo_ref(text, settings.forges()), settings)


@pytest.fixture
def world(emulator_factory: EmulatorFactory) -> EmulatorServer:
    return emulator_factory(gitlab_world())


async def test_a_gitlab_project_scans_complete_with_every_kind_of_evidence(world: EmulatorServer) -> None:
    scan = await _scan(world, WIDGET)
    assert scan.verdict is Verdict.COMPLETE
    assert scan.metadata is not None and scan.metadata.ref.display == "gitlab.com/acme/tools/widget"
    assert scan.metadata.renamed_from is not None  # GitLab followed the old path
    assert scan.outcomes() == {
        "name_lookup": "miss",  # no orphan: no name to look up
        "deps.dev": "ok",
        "ecosyste.ms": "ok",
        "gitlab_release_asset": "ok",
        "gitlab_packages": "ok",
        "manifest": "ok",
    }
    rows = {(r.source, r.ecosystem, r.package_name, r.version_count) for r in _registry(scan)}
    assert ("gitlab_packages", "npm", "@acme/widget", 2) in rows  # one listing entry per version
    assert ("gitlab_packages", "pypi", "acme-widget", 1) in rows
    assert not any(r[2] == "blob" for r in rows)  # a generic package names no ecosystem
    assert ("gitlab_release_asset", "pypi", "acme_widget", 1) in rows
    assert ("deps.dev", "npm", "@acme/widget", 1) in rows
    assert {r[2] for r in rows if r[0] == "ecosyste.ms"} == {"@acme/widget", "acme-widget"}
    declared = {d.path: d.name for d in manifests_of(scan.results["manifest"])}
    assert declared == {
        "package.json": "@acme/widget",
        "py/pyproject.toml": "acme-widget",
        "crates/x/Cargo.toml": "orphan-crate",
    }
    assert world.stats()["gitlab"]["by_route"]["/api/v4/projects/{id}"] == 1  # metadata asked once
    # a package of GitLab's registry names it in its purl (the project's API, host and all)
    api = world.url_for("gitlab").removeprefix("http://") + f"/api/v4/projects/{scan.metadata.project_id}"
    purls = {r.purl for r in _registry(scan) if r.source == "gitlab_packages"}
    assert f"pkg:npm/%40acme/widget?repository_url={api}/packages/npm" in purls
    assert f"pkg:pypi/acme-widget?repository_url={api}/packages/pypi/simple" in purls
    assert {r.purl for r in _registry(scan) if r.source == "deps.dev"} == {"pkg:npm/%40acme/widget"}


async def test_the_scan_is_stored_and_reported_under_the_gitlab_name(
    database_url: str, world: EmulatorServer
) -> None:
    scan = await _scan(world, WIDGET)
    clock = Clock()
    engine = tracked(database_url, [scan.ref, parse_repo_ref("acme/widget")], clock)
    with engine.begin() as connection:
        by_key = {repo.ref.key: repo for repo in list_repos(connection)}
        stored = record_scan(connection, by_key[scan.ref.key].id, scan, clock(), timedelta(days=180))
        sources = set(connection.execute(select(repo_distribution.c.source).distinct()).scalars())
        found = orphans(connection)
        report = repo_report(connection, scan.ref)
    assert stored.verdict is Verdict.COMPLETE and stored.manifest_rows == 3
    assert sources == {"deps.dev", "ecosyste.ms", "gitlab_packages", "gitlab_release_asset"}
    # tracked as given (as on GitHub, scans follow the rename)
    assert [(o["repo"], o["package_name_declared"]) for o in found] == [
        ("gitlab.com/acme/old-widget", "orphan-crate")
    ]
    assert report is not None and report["repo"] == "gitlab.com/acme/old-widget"


async def test_long_listings_are_read_page_by_page(world: EmulatorServer) -> None:
    scan = await _scan(world, "https://gitlab.com/acme/big")
    assert scan.verdict is Verdict.COMPLETE
    packages = [r for r in _registry(scan) if r.source == "gitlab_packages"]
    assert len(packages) == BIG_PACKAGES
    assert len(manifests_of(scan.results["manifest"])) == BIG_FILES
    routes = world.stats()["gitlab"]["by_route"]
    assert routes["/api/v4/projects/{id}/packages"] == 2  # 120 packages, 100 a page
    assert routes["/api/v4/projects/{id}/repository/tree"] >= 3  # 150 files and their folders, keyset pages


async def test_a_missing_or_private_project_is_not_found(world: EmulatorServer) -> None:
    scan = await _scan(world, "https://gitlab.com/acme/nothing-here")
    assert scan.verdict is Verdict.NOT_FOUND
    assert scan.results["gitlab_packages"].outcome is Outcome.MISS


async def test_an_empty_repository_has_no_manifests_and_is_complete(world: EmulatorServer) -> None:
    scan = await _scan(world, "https://gitlab.com/acme/empty")
    assert scan.verdict is Verdict.COMPLETE
    assert scan.results["manifest"].outcome is Outcome.MISS
    assert "/api/v4/projects/{id}/repository/tree" not in world.stats()["gitlab"]["by_route"]


async def test_archived_and_user_namespaces_are_read(world: EmulatorServer) -> None:
    frozen = await _scan(world, "https://gitlab.com/acme/frozen")
    tool = await _scan(world, "https://gitlab.com/someone/tool")
    assert frozen.metadata is not None and frozen.metadata.archived
    assert tool.metadata is not None and tool.metadata.owner_type == "User"
    assert frozen.metadata.owner_type == "Group"


async def test_a_self_hosted_gitlab_under_a_path_prefix(world: EmulatorServer) -> None:
    base = world.url_for("gitlab")  # http://127.0.0.1:PORT/gitlab: its API is at {base}/api/v4
    scan = await _scan(world, base + "/acme/tools/widget", gitlab_instances=(base,))
    assert scan.ref.host == base.removeprefix("http://")
    assert scan.verdict is Verdict.COMPLETE
    assert "deps.dev" not in scan.results  # deps.dev indexes gitlab.com only: not asked
    asked = world.stats()["depsdev"]["by_route"]
    # deps.dev's project lookup is never asked; only the orphans' names are (the name lookup)
    assert not [route for route in asked if route.startswith("/v3/projects")], asked
    assert {r.source for r in _registry(scan)} >= {"gitlab_packages", "gitlab_release_asset"}


async def test_an_instance_no_longer_configured_fails_the_scan_saying_why(world: EmulatorServer) -> None:
    base = world.url_for("gitlab")
    settings = settings_for(world, gitlab_instances=(base,))
    ref = parse_repo_ref(base + "/acme/tools/widget", settings.forges())
    settings = settings_for(world)  # the instance taken out of the settings
    async with upstreams_for(world) as upstreams:
        scan = await scan_repo(upstreams, ref, settings)
    assert scan.verdict is Verdict.FAILED
    assert "not a configured forge" in scan.results["forge"].detail
    assert world.stats()["gitlab"]["requests"] == 0


async def test_gitlab_sources_are_not_asked_for_github_repositories(world: EmulatorServer) -> None:
    scan = await _scan(world, "acme/widget")
    assert scan.verdict is Verdict.COMPLETE
    assert "gitlab_packages" not in scan.results and world.stats()["gitlab"]["requests"] == 0
    assert [d.name for d in manifests_of(scan.results["manifest"])] == ["gh-widget"]


def _registry(scan: ScanResult) -> list[RegistryObservation]:
    full_name = scan.current_ref.full_name
    return [row for result in scan.results.values() for row in registry_of(result, full_name)]


async def test_manifests_come_through_graphql_in_batches(world: EmulatorServer) -> None:
    await _scan(world, WIDGET)
    routes = world.stats()["gitlab"]["by_route"]
    # the two workspace declarations in one request; the one manifest the plan adds after, raw
    assert routes["/api/graphql"] == 1
    assert routes["/api/v4/projects/{id}/repository/files/{file_path}/raw"] == 1
    world.reset()
    big = await _scan(world, "https://gitlab.com/acme/big")
    assert len(manifests_of(big.results["manifest"])) == BIG_FILES
    assert world.stats()["gitlab"]["by_route"]["/api/graphql"] == 3  # 150 files, 50 a request


async def test_without_graphql_or_when_it_fails_the_raw_route_reads_them(
    emulator_factory: EmulatorFactory,
) -> None:
    broken = emulator_factory(gitlab_world(), {"gitlab": {"routes": {"/api/graphql": {"error_rate": 1}}}})
    scan = await _scan(broken, WIDGET)
    assert scan.verdict is Verdict.COMPLETE and len(manifests_of(scan.results["manifest"])) == 3
    assert broken.stats()["gitlab"]["by_route"]["/api/v4/projects/{id}/repository/files/{file_path}/raw"] == 3
    plain = emulator_factory(gitlab_world())
    scan = await _scan(plain, WIDGET, gitlab_graphql=False)
    assert len(manifests_of(scan.results["manifest"])) == 3
    assert "/api/graphql" not in plain.stats()["gitlab"]["by_route"]


async def test_a_rescan_of_an_unchanged_project_reads_no_file_again(world: EmulatorServer) -> None:
    settings = settings_for(world)
    ref = parse_repo_ref(WIDGET)
    async with upstreams_for(world) as upstreams:
        first = await scan_repo(upstreams, ref, settings)
        world.reset()
        again = await scan_repo(upstreams, ref, settings)
    routes = world.stats()["gitlab"]["by_route"]
    assert "/api/graphql" not in routes and not any("/repository/files/" in route for route in routes)
    assert manifests_of(again.results["manifest"]) == manifests_of(first.results["manifest"])
    assert all(c.from_cache for c in again.results["manifest"].captures if c.kind == "gitlab.file")


@pytest.mark.parametrize("fault", ["malformed_rate", "garbage_rate", "html_rate"])
async def test_garbage_from_gitlab_is_a_failure_never_no_packages(
    emulator_factory: EmulatorFactory, fault: str
) -> None:
    broken = emulator_factory(gitlab_world(), {"gitlab": {fault: 1}})
    scan = await _scan(broken, WIDGET)
    assert scan.verdict is not Verdict.COMPLETE
    for source in ("gitlab_packages", "gitlab_release_asset", "manifest"):
        assert not scan.results[source].outcome.is_settled, (source, scan.outcomes())
        assert not registry_of(scan.results[source]) and not manifests_of(scan.results[source])
    with stamina.set_testing(True, attempts=1):
        async with upstreams_for(broken) as upstreams:
            project = str(
                gitlab_project_id(world_from_dict(gitlab_world()).gitlab_projects["acme/old-widget"])
            )
            listed = await gitlab_packages.collect(upstreams.gitlab["gitlab.com"], project)
    assert listed.outcome is Outcome.TRANSIENT and not listed.captures


@pytest.mark.parametrize("graphql", [True, False])
async def test_a_huge_manifest_is_recorded_by_its_size_never_stored(
    emulator_factory: EmulatorFactory, graphql: bool
) -> None:
    world = gitlab_world()
    world["repos"][0]["files"]["big/package.json"] = '{"name": "x", "pad": "' + "y" * 1_100_000 + '"}'
    scan = await _scan(emulator_factory(world), WIDGET, gitlab_graphql=graphql)
    assert scan.verdict is Verdict.COMPLETE
    found = {d.path: d for d in manifests_of(scan.results["manifest"])}
    assert found["big/package.json"].status.value == "too_large" and found["big/package.json"].name is None
    assert max(len(c.body) for c in scan.results["manifest"].captures) < 1_000_000
