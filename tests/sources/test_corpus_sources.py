"""Every source against the emulator serving the shared corpus world: the rows `expected.json` lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina

from distscout.ecosystems import normalize_name
from distscout.emulator.server import EmulatorServer
from distscout.http import Outcome
from distscout.manifests.checkout import scan_checkout
from distscout.repos import parse_repo_ref
from distscout.sources import depsdev, ecosystems, github_manifests, github_packages, github_releases
from distscout.sources.github_repo import fetch_metadata
from tests.corpus import CorpusRepo, repos
from tests.sources.helpers import manifests_of, registry_of, upstreams_for

REPOS = list(repos())


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.mark.parametrize("repo", REPOS, ids=[r.slug for r in REPOS])
async def test_registry_sources_give_the_published_packages(
    corpus_emulator: EmulatorServer, repo: CorpusRepo
) -> None:
    ref = parse_repo_ref(repo.url)
    async with upstreams_for(corpus_emulator) as upstreams:
        from_depsdev = await depsdev.collect(upstreams.depsdev, ref.key)
        from_ecosystems = await ecosystems.collect(upstreams.ecosystems, ref)
    assert from_depsdev.outcome in (Outcome.OK, Outcome.MISS), from_depsdev.detail
    assert from_ecosystems.outcome in (Outcome.OK, Outcome.MISS), from_ecosystems.detail
    seen = {
        (r.ecosystem, normalize_name(r.ecosystem, r.package_name))
        for r in (*registry_of(from_depsdev), *registry_of(from_ecosystems))
    }
    expected = {
        (p["ecosystem"], normalize_name(p["ecosystem"], p["name"])) for p in repo.expected["published"]
    }
    assert expected <= seen, f"missing: {expected - seen}"
    for row in registry_of(from_depsdev):
        assert row.first_published_at is not None and row.latest_published_at is not None, row
        assert row.provenance is not None and row.purl is not None


@pytest.mark.parametrize("repo", REPOS, ids=[r.slug for r in REPOS])
async def test_remote_deep_walk_equals_the_local_one(
    corpus_emulator: EmulatorServer, repo: CorpusRepo, tmp_path: Path
) -> None:
    local = {d.path: d for d in scan_checkout(repo.materialize(tmp_path / "checkout")).declarations}
    async with upstreams_for(corpus_emulator) as upstreams:
        metadata, _, _ = await fetch_metadata(upstreams.github, parse_repo_ref(repo.url))
        assert metadata is not None
        result = await github_manifests.collect(upstreams.github, metadata.ref, metadata.default_branch)
    remote = {d.path: d for d in manifests_of(result)}
    assert result.outcome in (Outcome.OK, Outcome.MISS), result.detail
    assert remote.keys() == local.keys()
    for path, declaration in remote.items():
        assert (declaration.name, declaration.intent, declaration.status) == (
            local[path].name,
            local[path].intent,
            local[path].status,
        ), path


async def test_release_assets(corpus_emulator: EmulatorServer) -> None:
    async with upstreams_for(corpus_emulator) as upstreams:
        ripgrep = await github_releases.collect(upstreams.github, parse_repo_ref("BurntSushi/ripgrep"))
        gson = await github_releases.collect(upstreams.github, parse_repo_ref("google/gson"))
        catch2 = await github_releases.collect(upstreams.github, parse_repo_ref("catchorg/Catch2"))
        flask = await github_releases.collect(upstreams.github, parse_repo_ref("pallets/flask"))
    assert [(r.ecosystem, r.package_name, r.version_count) for r in registry_of(ripgrep)] == [
        ("deb", "ripgrep", 2)
    ]
    assert registry_of(ripgrep)[0].latest_published_at is not None
    assert [(r.ecosystem, r.package_name) for r in registry_of(gson)] == [("maven", "gson")]
    assert catch2.outcome is Outcome.OK and registry_of(catch2) == (), "source files are not packages"
    assert flask.outcome is Outcome.OK and registry_of(flask) == ()


async def test_no_corpus_repo_has_github_packages(corpus_emulator: EmulatorServer) -> None:
    async with upstreams_for(corpus_emulator) as upstreams:
        okhttp = await github_packages.collect(
            upstreams.github, parse_repo_ref("square/okhttp"), "Organization"
        )
    assert okhttp.outcome is Outcome.OK and registry_of(okhttp) == ()
