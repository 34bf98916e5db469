"""The demo world loads, and its answer key (expected.json) is what the parsers and the registries say.

Each repository is materialized from the loaded world (inline `files`, on-disk files and listing-only
`paths` alike) into a checkout and scanned as `distscout manifests` would scan it. The orphan and unclaimed
flags are recomputed here from the scan and the world's packages, independently of the answer key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from distscout.demo import DEMO_EXPECTED, DEMO_FAULTS, DEMO_WORLD
from distscout.ecosystems import normalize_name
from distscout.emulator.faults import load_fault_plan
from distscout.emulator.model import Package, Repo, World
from distscout.emulator.world import load_world
from distscout.manifests.checkout import scan_checkout
from distscout.manifests.declaration import Declaration, ParseStatus

# The README's formats table: every manifest type, and every kind of file name it lists.
README_TYPES = frozenset(
    {
        "npm", "cargo", "pypi", "maven", "rubygems", "composer", "hex", "swiftpm", "pub", "nuget",
        "hackage", "conan", "cocoapods", "julia", "cran", "conda", "go",
    }
)  # fmt: skip
README_FILES = frozenset(
    {
        "package.json", "Cargo.toml", "pyproject.toml", "setup.py", "setup.cfg", "pom.xml", "build.gradle",
        "build.gradle.kts", "Gemfile", "*.gemspec", "composer.json", "mix.exs", "Package.swift",
        "pubspec.yaml", "*.csproj", "*.cabal", "conanfile.py", "conanfile.txt", "*.podspec", "Project.toml",
        "DESCRIPTION", "meta.yaml", "recipe.yaml", "go.mod",
    }
)  # fmt: skip
ECOSYSTEMS_ONLY = frozenset({"conda", "cran", "hackage", "pub", "hex", "cocoapods", "julia", "conan"})
RELEASE_ASSET_KINDS = frozenset({".whl", ".jar", ".deb", ".nupkg", ".gem", ".crate", ".rpm"})


@cache
def world() -> World:
    return load_world(DEMO_WORLD)


@cache
def expected() -> dict[str, Any]:
    return json.loads(DEMO_EXPECTED.read_text(encoding="utf-8"))["repos"]  # type: ignore[no-any-return]


REPOS = world().repos


def materialize(repo: Repo, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for entry in repo.tree.descendants(""):
        if entry.type == "blob":
            target = root / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(repo.tree.content(entry.path) or b"")
    return root


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Declaration]]:
    """Every repo's declarations by path, scanned once."""
    found: dict[str, dict[str, Declaration]] = {}
    for repo in REPOS:
        root = materialize(repo, tmp_path_factory.mktemp(repo.name))
        found[repo.url] = {d.path: d for d in scan_checkout(root).declarations}
    return found


def attributed(repo: Repo) -> list[Package]:
    """The packages whose registry record points at this repo (its current URL or a former one), as the
    reverse lookups list them (a package the index has not caught up with is found by its name only)."""
    urls = {repo.url.lower()} | {f"https://github.com/{old}".lower() for old in repo.renamed_from}
    return [p for p in world().packages if p.in_reverse_index and (p.repository_url or "").lower() in urls]


def is_published(declaration: Declaration, packages: Iterable[Package]) -> bool:
    if not declaration.intent or declaration.status is not ParseStatus.OK or declaration.name is None:
        return False
    ecosystem = declaration.manifest_type
    for package in packages:
        if package.ecosystem != ecosystem:
            continue
        # SwiftPM has no registry name: ecosyste.ms knows a Swift package by its repository URL.
        if ecosystem == "swiftpm":
            return True
        if normalize_name(ecosystem, package.name) == normalize_name(ecosystem, declaration.name):
            return True
    return False


def kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    for suffix in (".gemspec", ".csproj", ".cabal", ".podspec"):
        if name.endswith(suffix):
            return "*" + suffix
    return name


def test_the_world_loads_and_the_answer_key_covers_it() -> None:
    assert 25 <= len(REPOS) <= 35
    assert set(expected()) == {repo.url for repo in REPOS}
    files = sum(repo.tree.file_count for repo in REPOS)
    assert files < 500, "keep the demo small: a full scan must stay quick"


@pytest.mark.parametrize("repo", REPOS, ids=[r.full_name for r in REPOS])
def test_manifests_give_the_expected_names_and_intent(
    repo: Repo, scans: dict[str, dict[str, Declaration]]
) -> None:
    found = scans[repo.url]
    want = expected()[repo.url]["manifests"]
    assert set(found) == set(want), "the deep walk finds exactly the manifests of the answer key"
    for path, manifest in want.items():
        got = found[path]
        assert got.manifest_type == manifest["type"], path
        assert got.name == manifest["name"], f"{path}: {got.name!r} ({got.status}: {got.detail})"
        assert got.intent is manifest["intent"], f"{path}: intent {got.intent} ({got.intent_reason})"
        assert got.status is (ParseStatus.OK if manifest["name"] is not None else ParseStatus.NO_NAME), path


@pytest.mark.parametrize("repo", REPOS, ids=[r.full_name for r in REPOS])
def test_published_orphan_and_unclaimed_agree_with_the_scan_and_the_registries(
    repo: Repo, scans: dict[str, dict[str, Declaration]]
) -> None:
    want = expected()[repo.url]
    packages = attributed(repo)
    declarations = scans[repo.url]
    assert want["published"] == [{"ecosystem": p.ecosystem, "name": p.name} for p in packages]
    for path, declaration in declarations.items():
        assert want["manifests"][path]["published"] is is_published(declaration, packages), path
    orphan = any(
        d.intent and d.status is ParseStatus.OK and not is_published(d, packages)
        for d in declarations.values()
    )
    assert want["orphan"] is orphan
    assert want["unclaimed"] is (bool(packages) and not declarations)


def test_the_headline_findings() -> None:
    orphans = {url for url, repo in expected().items() if repo["orphan"]}
    unclaimed = {url for url, repo in expected().items() if repo["unclaimed"]}
    gh = "https://github.com/"
    assert orphans == {
        gh + "lumen-labs/prism-js",  # a workspace member never released
        gh + "harbor-tools/tidewatch",  # renamed: only the old name was ever published
        gh + "kestrel-dev/perch",  # a forgotten library
        gh + "kestrel-dev/gust",
        "https://gitlab.com/nimbus-group/platform/stratus",  # on GitLab: Python tools never published
    }
    assert unclaimed == {
        gh + "lumen-labs/lumen-docs",
        gh + "harbor-tools/pilot",
        "https://gitlab.com/nimbus-group/cirrus",  # on GitLab: the client moved, its package points here
    }


def _verdict_from_the_world(repo: Repo, ecosystem: str, name: str) -> str:
    """What the registries hold for a declared name, read off the world (not through distscout's triage)."""
    wanted = normalize_name(ecosystem, name)
    found = [
        p
        for p in world().packages
        if p.ecosystem == ecosystem and normalize_name(ecosystem, p.name) == wanted
    ]
    if not found:
        return "unregistered"
    link = found[0].repository_url
    if link is None:
        return "unlinked"
    return "linked" if link.lower() == repo.url.lower() else "taken"


def test_each_orphan_has_the_verdict_its_registry_facts_give() -> None:
    seen = set()
    for repo in REPOS:
        for manifest in expected()[repo.url]["manifests"].values():
            if "verdict" in manifest:
                assert manifest["verdict"] == _verdict_from_the_world(
                    repo, manifest["type"], manifest["name"]
                )
                seen.add(manifest["verdict"])
            else:
                assert manifest["published"] or not manifest["intent"], "every orphan manifest has a verdict"
    assert seen == {"unregistered", "taken", "unlinked", "linked"}, "the demo shows the four verdicts"


def test_every_manifest_format_of_the_readme_appears(scans: dict[str, dict[str, Declaration]]) -> None:
    declarations = [d for found in scans.values() for d in found.values()]
    assert {d.manifest_type for d in declarations} >= README_TYPES
    assert {kind(d.path) for d in declarations} >= README_FILES
    tree_files = {entry.name for repo in REPOS for entry in repo.tree.descendants("")}
    assert {"settings.gradle", "settings.gradle.kts"} <= tree_files, "both Gradle DSLs have their settings"


def test_the_non_intent_cases_are_there(scans: dict[str, dict[str, Declaration]]) -> None:
    reasons = " | ".join(d.intent_reason for found in scans.values() for d in found.values() if not d.intent)
    for signal in (
        "private: true",
        "publish = false",
        "IsPackable=false",
        "Microsoft.NET.Test.Sdk",
        "publish_to: none",
        "under tests/",
        "under examples/",
        "no publishing plugin applied",
        "skipPublishing=true",  # a Maven module that is not deployed
        "private Hex",
        "package = false",
    ):
        assert signal in reasons, signal


def test_the_world_shows_every_kind_of_registry_and_github_evidence() -> None:
    repos, packages = REPOS, world().packages
    by_name = {repo.full_name: repo for repo in repos}
    assert any(repo.renamed_from for repo in repos)
    assert any(repo.archived for repo in repos)
    assert any(repo.tree.is_empty for repo in repos)
    assert {repo.owner_type for repo in repos} == {"Organization", "User", "Group"}  # Group: GitLab's
    on_gitlab = [repo for repo in repos if repo.on_gitlab]
    assert any("/" in repo.owner for repo in on_gitlab), "a subgroup's project"
    assert any(p.package_type == "npm" for repo in on_gitlab for p in repo.gitlab_packages)
    assert any(repo.releases for repo in on_gitlab)

    assets = {a for repo in repos for release in repo.releases for a in release.assets}
    assert {suffix for suffix in RELEASE_ASSET_KINDS if any(a.endswith(suffix) for a in assets)} == (
        RELEASE_ASSET_KINDS
    )
    github_packages = {(repo.owner_type, p.package_type) for repo in repos for p in repo.github_packages}
    for owner_type in ("Organization", "User"):
        assert {(owner_type, "npm"), (owner_type, "container")} <= github_packages

    ecosystems = {p.ecosystem for p in packages}
    assert ecosystems >= ECOSYSTEMS_ONLY | {"go"}
    for package in packages:
        if package.ecosystem in ECOSYSTEMS_ONLY:
            assert package.sources == {"ecosystems"}, package.name
    assert sum(p.sources == {"depsdev", "ecosystems"} for p in packages) >= 10
    assert len({p.provenance for p in packages}) >= 4

    # Go: one module that go.mod declares, and one that is only deps.dev noise (no go.mod in the repo).
    go_repos = {
        p.repository_url.removeprefix("https://github.com/")
        for p in packages
        if p.ecosystem == "go" and p.repository_url is not None
    }
    with_go_mod = {name for name in go_repos if by_name[name].tree.entry("go.mod") is not None}
    assert with_go_mod and go_repos - with_go_mod

    dates = [v.published_at for p in packages for v in p.versions if v.published_at is not None]
    assert min(dates) < datetime(2020, 1, 1, tzinfo=UTC)
    assert max(dates) >= datetime(2026, 1, 1, tzinfo=UTC)


def test_monorepos_have_their_members_found(scans: dict[str, dict[str, Declaration]]) -> None:
    gh = "https://github.com/"
    members = {
        "lumen-labs/prism-js": "packages/",  # npm workspaces
        "lumen-labs/lumen-rs": "crates/",  # Cargo workspace
        "lumen-labs/beacon-java": "beacon-",  # Maven <modules>
        "lumen-labs/quasar-kt": "quasar-",  # Gradle include
    }
    for name, prefix in members.items():
        published = [d for path, d in scans[gh + name].items() if path.startswith(prefix) and d.intent]
        assert len(published) >= 2, name


def test_the_fault_plan_loads() -> None:
    plan = load_fault_plan(DEMO_FAULTS)
    outages = plan.for_service("ecosystems").outages
    assert outages and outages[0][0] == 0 and outages[0][1] <= 10, "a short outage right at the start"
    github = plan.for_service("github")
    assert 0 < github.error_rate <= 0.1
    assert github.seed == 7
