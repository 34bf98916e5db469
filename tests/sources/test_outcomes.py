"""The outcome matrix of every source, and the lessons of the seed system's incidents."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import stamina

from distscout.emulator.budget import Limits
from distscout.emulator.server import EmulatorServer
from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.manifests.walk import WalkMode
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref
from distscout.results import SourceResult
from distscout.sources import depsdev, ecosystems, github_manifests, github_packages, github_releases
from distscout.sources.github_repo import fetch_metadata
from distscout.upstreams import Upstreams
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import TEST_TOKEN, manifests_of, registry_of, upstreams_for

WIDGET_FILES = {
    "package.json": '{"name": "@acme/widget", "workspaces": ["libs/*/*/*/*"]}',
    "crates/a/Cargo.toml": '[package]\nname = "a"\n',
    "libs/x/y/z/w/package.json": '{"name": "@acme/deep"}',
    "docs/setup.cfg": "[metadata]\nname = widget-docs\n",
}
WORLD: dict[str, Any] = {
    "format": 1,
    "repos": [
        {
            "url": "https://github.com/acme/widget",
            "owner_type": "User",
            "files": WIDGET_FILES,
            "releases": [
                {
                    "tag_name": "v1.2.0",
                    "published_at": "2024-05-01T10:00:00Z",
                    "assets": [
                        "acme_widget-1.2.0-py3-none-any.whl",
                        "widget_1.2.0_amd64.deb",
                        "widget-1.2.0.gem",
                        "Acme.Widget.1.2.0.nupkg",
                        "widget-core-1.2.0.jar",
                        "widget-1.2.0.tar.gz.sha256",
                    ],
                },
                {
                    "tag_name": "v1.1.0",
                    "published_at": "2023-01-01T10:00:00Z",
                    "assets": ["widget_1.1.0_amd64.deb"],
                },
            ],
            "github_packages": [
                {"name": "widget", "package_type": "npm"},
                {"name": "widget-image", "package_type": "container"},
            ],
        },
        {"url": "https://github.com/acme/nothing", "files": {"README.md": "hi"}},
        {
            "url": "https://github.com/orgco/tool",
            "files": {"README.md": "hi"},
            "github_packages": [{"name": "tool", "package_type": "maven"}],
        },
        {"url": "https://github.com/acme/empty"},
        {
            "url": "https://github.com/acme/big",
            "paths": [f"f{i:04}.txt" for i in range(1200)],
            "files": {"package.json": '{"name": "big"}'},
        },
        {
            "url": "https://github.com/acme/new",
            "archived": True,
            "renamed_from": ["https://github.com/acme/old"],
            "files": {"package.json": '{"name": "new-name-lib"}'},
        },
    ],
    "packages": [
        {
            "ecosystem": "npm",
            "name": "@acme/widget",
            "repository_url": "https://github.com/acme/widget",
            "provenance": "SLSA_ATTESTATION",
            "versions": [
                {"version": "1.0.0", "published_at": "2023-01-01T00:00:00Z"},
                {"version": "1.2.0", "published_at": "2024-05-01T10:05:00Z"},
            ],
        },
        {
            "ecosystem": "go",
            "name": "github.com/acme/widget",
            "repository_url": "https://github.com/acme/widget",
            "sources": ["ecosystems"],
        },
    ],
}
WIDGET, NOTHING = RepoRef("github.com", "acme", "widget"), RepoRef("github.com", "acme", "nothing")

Collect = Callable[[Upstreams, RepoRef], Awaitable[SourceResult]]
SOURCES: dict[str, tuple[str, Collect]] = {
    "deps.dev": ("depsdev", lambda u, r: depsdev.collect(u.depsdev, r.key)),
    "ecosyste.ms": ("ecosystems", lambda u, r: ecosystems.collect(u.ecosystems, r)),
    "github_release_asset": ("github", lambda u, r: github_releases.collect(u.github, r)),
    "github_packages": ("github", lambda u, r: github_packages.collect(u.github, r)),
    "manifest": ("github", lambda u, r: github_manifests.collect(u.github, r)),
}
MISSING = {
    "deps.dev": NOTHING,
    "ecosyste.ms": NOTHING,
    "github_release_asset": RepoRef("github.com", "acme", "gone"),
    "github_packages": RepoRef("github.com", "nobody", "x"),
    "manifest": RepoRef("github.com", "acme", "empty"),
}


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


@pytest.fixture
def world(emulator_factory: EmulatorFactory) -> EmulatorServer:
    return emulator_factory(WORLD)


@pytest.mark.parametrize("source", SOURCES)
async def test_ok(world: EmulatorServer, source: str) -> None:
    async with upstreams_for(world) as upstreams:
        result = await SOURCES[source][1](upstreams, WIDGET)
    assert (
        result.outcome is Outcome.OK
        and result.captures
        and (registry_of(result, WIDGET.full_name) or manifests_of(result))
    )


@pytest.mark.parametrize("source", SOURCES)
async def test_miss(world: EmulatorServer, source: str) -> None:
    async with upstreams_for(world) as upstreams:
        result = await SOURCES[source][1](upstreams, MISSING[source])
    assert result.outcome is Outcome.MISS and not registry_of(result) and not manifests_of(result)
    assert result.has_data, "a clean miss is an answer a scan can rely on"


@pytest.mark.parametrize("source", SOURCES)
async def test_transient(emulator_factory: EmulatorFactory, source: str) -> None:
    server = emulator_factory(WORLD, {SOURCES[source][0]: {"error_rate": 1.0}})
    async with upstreams_for(server) as upstreams:
        result = await SOURCES[source][1](upstreams, WIDGET)
    assert result.outcome is Outcome.TRANSIENT and result.detail


@pytest.mark.parametrize("source", SOURCES)
async def test_malformed_bodies_are_transient(emulator_factory: EmulatorFactory, source: str) -> None:
    server = emulator_factory(WORLD, {SOURCES[source][0]: {"malformed_rate": 1.0}})
    async with upstreams_for(server) as upstreams:
        result = await SOURCES[source][1](upstreams, WIDGET)
    assert result.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize("source", SOURCES)
async def test_permanent(world: EmulatorServer, source: str) -> None:
    def bad_request(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": "Bad request"})

    async with upstreams_for(world) as upstreams:
        service = SOURCES[source][0]
        client: UpstreamClient = getattr(upstreams, service)
        setattr(upstreams, service, UpstreamClient(client.config, transport=httpx.MockTransport(bad_request)))
        result = await SOURCES[source][1](upstreams, WIDGET)
    assert result.outcome is Outcome.PERMANENT


@pytest.mark.parametrize("source", SOURCES)
async def test_circuit_open_sends_nothing(world: EmulatorServer, source: str) -> None:
    async with upstreams_for(world) as upstreams:
        client: UpstreamClient = getattr(upstreams, SOURCES[source][0])
        for _ in range(client.breaker.threshold):
            client.breaker.record(Outcome.TRANSIENT)
        result = await SOURCES[source][1](upstreams, WIDGET)
    assert result.outcome is Outcome.CIRCUIT_OPEN
    assert world.stats()[SOURCES[source][0]]["requests"] == 0


async def test_depsdev_project_id_is_one_encoded_segment(world: EmulatorServer) -> None:
    assert depsdev.packageversions_path(parse_repo_ref("Acme/Widget").key) == (
        "/v3/projects/github.com%2Facme%2Fwidget:packageversions"
    )
    async with upstreams_for(world) as upstreams:
        result = await depsdev.collect(upstreams.depsdev, parse_repo_ref("Acme/Widget").key)
    (row,) = registry_of(result)
    assert (row.ecosystem, row.package_name, row.provenance, row.version_count) == (
        "npm",
        "@acme/widget",
        "SLSA_ATTESTATION",
        2,
    )
    assert row.first_published_at is not None and row.first_published_at.year == 2023


async def test_depsdev_enums_left_out_read_as_unknown(emulator_factory: EmulatorFactory) -> None:
    # No relationType is UNKNOWN_PROJECT_RELATION_TYPE (proto3): not a source-repository relation, so not
    # publication evidence; no relationProvenance is UNKNOWN_PROJECT_RELATION_PROVENANCE, not attested.
    world = json.loads(json.dumps(WORLD))
    for package in world["packages"]:
        if package["name"] == "@acme/widget":
            package["provenance"] = "UNKNOWN_PROJECT_RELATION_PROVENANCE"
    server = emulator_factory(world)
    async with upstreams_for(server) as upstreams:
        unknown_provenance = await depsdev.collect(upstreams.depsdev, WIDGET.key)
        (row,) = registry_of(unknown_provenance)
        assert row.provenance == "UNKNOWN_PROJECT_RELATION_PROVENANCE"
        server.set_faults({"depsdev": {"quirks": {"unknown_relation_type": ["npm/@acme/widget"]}}})
        unknown_relation = await depsdev.collect(upstreams.depsdev, WIDGET.key)
    assert unknown_relation.outcome.is_answer and registry_of(unknown_relation) == ()


async def test_failed_depsdev_detail_keeps_the_rows_and_marks_the_source_incomplete(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory(WORLD, {"depsdev": {"rate_limit": {"after": 1, "retry_after_s": 3600}}})
    async with upstreams_for(server) as upstreams:
        result = await depsdev.collect(upstreams.depsdev, WIDGET.key)
    assert result.outcome is Outcome.TRANSIENT and "package details missing" in result.detail
    (row,) = registry_of(result)
    assert row.package_name == "@acme/widget" and row.first_published_at is None


async def test_ecosystems_is_polite_and_flags_noise(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        fetched = await upstreams.ecosystems.get(
            ecosystems.LOOKUP_PATH, params={"repository_url": WIDGET.url}
        )
        result = await ecosystems.collect(upstreams.ecosystems, WIDGET)
    assert fetched.headers["x-ratelimit-tier"] == "polite"
    assert {(r.ecosystem, r.noise) for r in registry_of(result)} == {("npm", False), ("go", True)}


async def test_release_asset_ecosystems(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        result = await github_releases.collect(upstreams.github, WIDGET)
    rows = {(r.ecosystem, r.package_name, r.version_count) for r in registry_of(result)}
    assert rows == {
        ("pypi", "acme_widget", 1),
        ("deb", "widget", 2),
        ("rubygems", "widget", 1),
        ("nuget", "Acme.Widget", 1),
        ("maven", "widget-core", 1),
    }


@pytest.mark.parametrize(("owner_type", "routes"), [("User", {"users"}), (None, {"users"})])
async def test_packages_user_route(world: EmulatorServer, owner_type: str | None, routes: set[str]) -> None:
    async with upstreams_for(world) as upstreams:
        result = await github_packages.collect(upstreams.github, WIDGET, owner_type)
    assert {(r.ecosystem, r.package_name) for r in registry_of(result, WIDGET.full_name)} == {
        ("npm", "@acme/widget"),  # GitHub npm packages are scoped by their owner
        ("oci", "widget-image"),
    }
    used = {route.split("/")[1] for route in world.stats()["github"]["by_route"]}
    assert used == routes


async def test_packages_fall_back_to_the_org_route(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        result = await github_packages.collect(upstreams.github, parse_repo_ref("orgco/tool"))
    assert result.outcome is Outcome.OK
    assert [(r.ecosystem, r.package_name) for r in registry_of(result, "orgco/tool")] == [("maven", "tool")]
    assert {route.split("/")[1] for route in world.stats()["github"]["by_route"]} == {"users", "orgs"}


async def test_a_directory_too_large_to_list_is_reported(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(WORLD, limits=Limits(tree_entry_cap=3))
    async with upstreams_for(server) as upstreams:
        result = await github_manifests.collect(upstreams.github, WIDGET)
    assert result.outcome is Outcome.TRANSIENT and "truncated" in result.detail


async def test_rename_is_followed_and_archived_reported(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        metadata, fetched, capture = await fetch_metadata(upstreams.github, parse_repo_ref("acme/old"))
    assert metadata is not None and capture is not None
    assert metadata.ref.full_name == "acme/new" and metadata.renamed_from == parse_repo_ref("acme/old")
    assert metadata.archived and fetched.redirected_from is not None


async def test_empty_repository_is_a_miss(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        for mode in WalkMode:
            result = await github_manifests.collect(upstreams.github, parse_repo_ref("acme/empty"), mode=mode)
            assert result.outcome is Outcome.MISS, mode


async def test_deep_walk_finds_workspace_members_beyond_the_depth_bound(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        result = await github_manifests.collect(upstreams.github, WIDGET)
    found = {d.path: d for d in manifests_of(result)}
    assert set(found) == set(WIDGET_FILES)
    assert not found["docs/setup.cfg"].intent


async def test_contents_listing_cap_falls_back_to_the_tree(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        result = await github_manifests.collect(
            upstreams.github, parse_repo_ref("acme/big"), mode=WalkMode.BASELINE
        )
    assert [d.name for d in manifests_of(result)] == ["big"], "package.json sorts after the 1,000th entry"
    assert "/repos/{owner}/{repo}/git/trees/{ref}" in world.stats()["github"]["by_route"]


async def test_truncated_tree_is_walked_per_subtree(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(
        WORLD, limits=Limits(tree_entry_cap=4)
    )  # the root lists; the whole tree does not
    async with upstreams_for(server) as upstreams:
        result = await github_manifests.collect(upstreams.github, WIDGET)
    assert result.outcome is Outcome.OK, result.detail
    assert {d.path for d in manifests_of(result)} == set(WIDGET_FILES)


async def test_a_failed_manifest_read_is_transient_never_a_smaller_complete_answer(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory(WORLD, {"github": {"rate_limit": {"after": 3, "retry_after_s": 3600}}})
    async with upstreams_for(server) as upstreams:
        result = await github_manifests.collect(upstreams.github, WIDGET)
    assert result.outcome is Outcome.TRANSIENT and result.detail
    assert 0 < len(manifests_of(result)) < len(WIDGET_FILES)


async def test_unchanged_rescan_is_answered_by_etags_with_identical_evidence(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        first = await github_manifests.collect(upstreams.github, WIDGET)
        cost = world.stats()["github"]["rate_limit_cost"]
        second = await github_manifests.collect(upstreams.github, WIDGET)
    assert world.stats()["github"]["rate_limit_cost"] == cost, "304s cost no primary rate limit"
    assert manifests_of(second) == manifests_of(first) and second.outcome is Outcome.OK


async def test_tokens_are_absent_from_logs_and_results(
    world: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with upstreams_for(world) as upstreams:
        results = [await collect(upstreams, WIDGET) for _, collect in SOURCES.values()]
    assert TEST_TOKEN not in caplog.text
    assert all(TEST_TOKEN not in repr(r) for r in results)


@pytest.mark.parametrize("text", ["https://user:secret@github.com/a/b", "https://tok@github.com/a/b"])
def test_repository_urls_with_credentials_are_refused(text: str) -> None:
    with pytest.raises(RepoRefError, match="credentials") as failure:
        parse_repo_ref(text)
    assert "secret" not in str(failure.value) and "tok@" not in str(failure.value)


def test_client_config_repr_hides_the_token() -> None:
    assert "secret" not in repr(UpstreamConfig(name="github", base_url="http://x", token="secret"))


async def test_github_packages_name_their_registry_in_the_purl(world: EmulatorServer) -> None:
    async with upstreams_for(world) as upstreams:
        result = await github_packages.collect(upstreams.github, WIDGET)
    purls = {row.purl for row in registry_of(result, WIDGET.full_name)}
    assert purls == {
        "pkg:npm/%40acme/widget?repository_url=npm.pkg.github.com",
        "pkg:oci/widget-image?repository_url=ghcr.io",
    }
