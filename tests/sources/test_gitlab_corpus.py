"""The corpus world moved to GitLab (`tests.gitlab_twin`) scans complete with the same kinds of evidence as
on GitHub: the same manifests, the same registry packages, the forge's own sources in GitLab's spelling."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import stamina

from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.results import ScanResult, Verdict
from distscout.scanner import scan_repo
from tests.corpus import CORPUS
from tests.gitlab_twin import gitlab_twin
from tests.sources.helpers import manifests_of, registry_of, settings_for, upstreams_for

_WORLD = json.loads((CORPUS / "world" / "world.json").read_text(encoding="utf-8"))
# The same evidence under each forge's name for it
_SAME = {"gitlab_packages": "github_packages", "gitlab_release_asset": "github_release_asset"}


@pytest.fixture(scope="module")
def twin() -> Iterator[tuple[EmulatorServer, dict[str, str]]]:
    world, moved = gitlab_twin(_WORLD)
    with EmulatorServer(world) as server:
        yield server, moved


async def _scan_all(server: EmulatorServer, urls: list[str]) -> dict[str, ScanResult]:
    settings = settings_for(server)
    with stamina.set_testing(True, attempts=2):
        async with upstreams_for(server) as upstreams:
            return {url: await scan_repo(upstreams, parse_repo_ref(url), settings) for url in urls}


def _evidence(scan: ScanResult) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    registry = {
        (row.ecosystem, row.package_name, _SAME.get(row.source, row.source))
        for result in scan.results.values()
        for row in registry_of(result, scan.current_ref.full_name)
    }
    manifests = {(d.path, d.name or "", d.status) for d in manifests_of(scan.results["manifest"])}
    return registry, manifests


async def test_the_corpus_on_gitlab_gives_what_it_gives_on_github(
    corpus_emulator: EmulatorServer, twin: tuple[EmulatorServer, dict[str, str]]
) -> None:
    server, moved = twin
    urls = [repo["url"] for repo in _WORLD["repos"]]
    on_github = await _scan_all(corpus_emulator, urls)
    on_gitlab = await _scan_all(server, [moved[url.lower()] for url in urls])
    assert any("/mirror/" in url for url in on_gitlab)  # subgroups are among them
    compared = 0
    for url in urls:
        github, gitlab = on_github[url], on_gitlab[moved[url.lower()]]
        assert gitlab.verdict is github.verdict, (url, gitlab.outcomes(), github.outcomes())
        if github.verdict is not Verdict.COMPLETE:
            continue
        assert gitlab.metadata is not None and github.metadata is not None
        assert gitlab.metadata.archived == github.metadata.archived
        assert _evidence(gitlab) == _evidence(github), url
        compared += 1
    assert compared >= 35, compared
