from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from distscout.emulator.tree import blob_sha
from distscout.emulator.world import WorldError, load_world, world_from_dict
from tests.corpus import CORPUS
from tests.emulator.worlds import name_facts_world, tiny_world

World = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[World], None]:
    """A mutation that sets world[path] (dotted, with list indexes) to value."""

    def mutate(world: World) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = world
        for step in parents:
            target = target[step]
        target[last] = value

    return mutate


def _drop(path: str) -> Callable[[World], None]:
    def mutate(world: World) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = world
        for step in parents:
            target = target[step]
        del target[last]

    return mutate


REJECTIONS = [
    (_set("format", 2), "world.json: format: unsupported format 2"),
    (_set("format", True), "world.json: format: unsupported format True"),
    (_drop("format"), "world.json: format: missing required field"),
    (_set("extra", 1), "world.json: extra: unknown field"),
    (_set("repos", {}), "world.json: repos: expected a list"),
    (_drop("repos.0.url"), "world.json: repos[0].url: missing required field"),
    (_set("repos.0.urll", "x"), "world.json: repos[0].urll: unknown field"),
    (
        _set("repos.1.url", "http://github.com/acme/gadget"),
        "world.json: repos[1].url: expected https://github.com/",
    ),
    (_set("repos.1.url", "https://github.com/acme/gadget.git"), "repos[1].url: expected https://github.com/"),
    (_set("repos.1.url", "https://github.com/acme/gadget/"), "repos[1].url: expected https://github.com/"),
    (_set("repos.1.url", "https://github.com/acme"), "repos[1].url: expected https://github.com/"),
    (_set("repos.1.url", "https://gitlab.example/acme/gadget"), "repos[1].url: expected https://github.com/"),
    (_set("repos.1.url", "https://gitlab.com/acme/gadget.git"), "repos[1].url: expected https://gitlab.com/"),
    (
        _set("repos.1.gitlab_packages", [{"name": "x", "package_type": "npm"}]),
        "repos[1].gitlab_packages: not for a repository on github.com",
    ),
    (
        _set("repos.1.url", "https://github.com/acme/gadget/tree/main"),
        "repos[1].url: expected https://github.com/",
    ),
    (
        _set("repos.1.url", "https://user:pw@github.com/acme/gadget"),
        "repos[1].url: credentials in a URL are refused",
    ),
    (
        _set("repos.1.url", "https://tok@github.com/acme/gadget"),
        "repos[1].url: credentials in a URL are refused",
    ),
    (
        _set("repos.1.url", "https://github.com/acme/WIDGET"),
        "repos[1].url: duplicate repo https://github.com/acme/WIDGET",
    ),
    (_set("repos.1.url", "https://github.com/acme/old-widget"), "repos[1].url: duplicate repo"),
    (
        _set("repos.1.renamed_from", ["https://github.com/acme/widget"]),
        "repos[1].renamed_from[0]: duplicate repo",
    ),
    (_set("repos.1.renamed_from", "https://github.com/a/b"), "repos[1].renamed_from: expected a list"),
    (_set("repos.1.default_branch", ""), "repos[1].default_branch: expected a non-empty string"),
    (_set("repos.1.archived", "yes"), "repos[1].archived: expected true or false"),
    (_set("repos.1.owner_type", "Org"), "repos[1].owner_type: expected one of Organization, User"),
    (
        _set("repos.1.owner_type", "User"),
        None,
    ),  # acme is an Organization by default: only a conflict if explicit
    (_set("repos.1.paths", "README"), "repos[1].paths: expected a list of strings"),
    (_set("repos.1.paths", ["../escape"]), "repos[1].paths[0]: expected a relative file path"),
    (_set("repos.1.paths", ["/abs"]), "repos[1].paths[0]: expected a relative file path"),
    (_set("repos.1.paths", ["a//b"]), "repos[1].paths[0]: expected a relative file path"),
    (_set("repos.1.paths", ["README", "README/inner"]), "repos[1]: 'README' is both a file and a directory"),
    (_set("repos.1.files", ["a"]), "repos[1].files: expected an object of path -> text"),
    (_set("repos.1.files", {"a.txt": 3}), 'repos[1].files["a.txt"]: expected the file\'s text'),
    (
        _set("repos.0.releases.0.assets", "x.whl"),
        "world.json: repos[0].releases[0].assets: expected a list of strings",
    ),
    (_set("repos.0.releases.0.assets", [""]), "repos[0].releases[0].assets: expected a list of strings"),
    (_drop("repos.0.releases.1.tag_name"), "repos[0].releases[1].tag_name: missing required field"),
    (
        _set("repos.0.releases.1.published_at", "yesterday"),
        "repos[0].releases[1].published_at: expected an ISO-8601",
    ),
    (_set("repos.0.releases.1.draft", 1), "repos[0].releases[1].draft: expected true or false"),
    (_set("repos.0.releases.1.name", "x"), "repos[0].releases[1].name: unknown field"),
    (
        _set("repos.0.github_packages.0.package_type", "pypi"),
        "repos[0].github_packages[0].package_type: expected one",
    ),
    (_drop("repos.0.github_packages.0.name"), "repos[0].github_packages[0].name: missing required field"),
    (_set("packages", {}), "world.json: packages: expected a list"),
    (_drop("packages.0.ecosystem"), "packages[0].ecosystem: missing required field"),
    (_drop("packages.0.name"), "packages[0].name: missing required field"),
    (_drop("packages.0.repository_url"), "packages[0].repository_url: missing required field"),
    (_set("packages.0.ecosystem", "NPM"), "packages[0].ecosystem: expected one of apk, bioconductor"),
    (_set("packages.0.ecosystem", "packagist"), "packages[0].ecosystem: expected one of"),
    (
        _set("packages.0.repository_url", "not a url"),
        "world.json: packages[0].repository_url: expected a repository URL such as https://github.com/",
    ),
    (
        _set("packages.0.repository_url", "acme/widget"),
        "packages[0].repository_url: expected a repository URL",
    ),
    (
        _set("packages.0.repository_url", "github:acme/widget"),  # npm's shorthand: no host git can reach
        "packages[0].repository_url: expected a repository URL",
    ),
    (
        _set("packages.0.repository_url", "ftp://github.com/a/b"),
        "packages[0].repository_url: expected a repository URL",
    ),
    (_set("packages.0.repository_url", ""), "packages[0].repository_url: expected a non-empty string"),
    (_set("packages.0.repository_url", 3), "packages[0].repository_url: expected a non-empty string"),
    (
        _set("packages.0.repository_url", "https://x:y@github.com/a/b"),
        "packages[0].repository_url: credentials",
    ),
    (
        _set("packages.0.repository_url", "git+https://tok@github.com/a/b.git"),
        "packages[0].repository_url: credentials",
    ),
    (_set("packages.0.repository_url", "git+ssh://git@github.com/a/b.git"), None),  # an account, no secret
    (_set("packages.0.repository_url", None), None),
    (_set("packages.0.reverse_indexed", "no"), "packages[0].reverse_indexed: expected true or false"),
    (_set("packages.0.sources", ["deps.dev"]), "packages[0].sources[0]: expected one of depsdev, ecosystems"),
    (_set("packages.0.sources", "depsdev"), "packages[0].sources: expected a list of sources"),
    (
        _set("packages.2.sources", ["depsdev"]),
        "packages[2].sources[0]: deps.dev serves only cargo, go, maven",
    ),
    (_set("packages.0.provenance", "VERIFIED"), "packages[0].provenance: expected one of GO_ORIGIN"),
    (_set("packages.0.versions", {}), "packages[0].versions: expected a list"),
    (
        _set("packages.0.versions.0.published_at", "2025-13-02"),
        "packages[0].versions[0].published_at: expected an ISO",
    ),
    (
        _set("packages.0.versions.0.published_at", 20250302),
        "packages[0].versions[0].published_at: expected an ISO",
    ),
    (
        _set("packages.0.versions.1.version", "2.3.0"),
        "packages[0].versions[1].version: duplicate version '2.3.0'",
    ),
    (_drop("packages.0.versions.0.version"), "packages[0].versions[0].version: missing required field"),
    (
        _set(
            "packages.6",
            {"ecosystem": "pypi", "name": "acme.widget", "repository_url": "https://github.com/a/b"},
        ),
        "packages[6].name: duplicate pypi package 'acme.widget' (already at packages[1])",
    ),
    (_set("packages.5.name", "@acme/widget"), None),  # same name, another ecosystem: fine
]


@pytest.mark.parametrize(("mutate", "message"), REJECTIONS)
def test_each_rejection_names_the_file_and_the_field(
    mutate: Callable[[World], None], message: str | None
) -> None:
    world = tiny_world()
    mutate(world)
    if message is None:
        world_from_dict(world)
        return
    with pytest.raises(WorldError) as caught:
        world_from_dict(world)
    assert message in str(caught.value)
    assert str(caught.value).startswith("world.json: ")


def test_conflicting_explicit_owner_types_are_rejected() -> None:
    world = tiny_world()
    world["repos"][0]["owner_type"] = "Organization"
    world["repos"][1]["owner_type"] = "User"
    with pytest.raises(
        WorldError,
        match=r"repos\[1\]\.owner_type: conflicts with repos\[0\], where owner 'acme' is Organization",
    ):
        world_from_dict(world)


def test_the_corpus_world_loads() -> None:
    world = load_world(CORPUS / "world")
    assert len(world.repos) == 40
    assert len(world.packages) == 73
    assert world.repos_by_key["burntsushi/ripgrep"].owner_type == "User"
    assert world.renamed_from["synthetic/old-name"].full_name == "synthetic/new-name"
    assert world.repos_by_key["synthetic/empty"].tree.is_empty


def test_defaults_and_indexes() -> None:
    world = world_from_dict(tiny_world())
    gadget = world.repos_by_key["acme/gadget"]
    assert (gadget.default_branch, gadget.archived, gadget.owner_type) == ("trunk", True, "Organization")
    widget = world.repos_by_key["acme/widget"]
    assert (widget.default_branch, widget.archived) == ("main", False)
    assert (
        world.repos_by_key["solo/tool"].full_name == "Solo/Tool"
    )  # canonical case kept, lookups lower-cased
    assert world.owners["solo"].owner_type == "User"
    assert [r.name for r in world.owners["acme"].repos] == ["empty", "gadget", "widget"]
    by_name = world.packages_by_name
    assert by_name[("pypi", "acme-widget")].sources == {"depsdev", "ecosystems"}
    assert by_name[("composer", "acme/widget")].sources == {"ecosystems"}  # deps.dev does not serve composer
    assert by_name[("maven", "com.acme:widget")].provenance == "UNVERIFIED_METADATA"
    assert len(world.packages_by_repository_url["https://github.com/acme/widget"]) == 5
    # versions are kept oldest first whatever the world's order; undated ones first
    assert [v.version for v in by_name[("npm", "@acme/widget")].versions] == ["2.2.0", "2.3.0"]
    assert [v.version for v in by_name[("pypi", "acme-widget")].versions] == ["0.9", "1.2.0"]


def _write_world(root: Path, data: World) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "world.json").write_text(json.dumps(data))
    return root


def test_on_disk_files_join_the_tree_and_inline_files_win(tmp_path: Path) -> None:
    data = tiny_world()
    checkout = tmp_path / "repos" / "github.com" / "acme" / "widget"
    (checkout / "docs").mkdir(parents=True)
    (checkout / "docs" / "index.md").write_text("# from disk\n")
    (checkout / "setup.cfg").write_text("on disk, overridden\n")
    (checkout / "extra.txt").write_bytes(b"\x00binary")
    (checkout / ".git").mkdir()
    (checkout / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    tree = load_world(_write_world(tmp_path, data)).repos_by_key["acme/widget"].tree
    assert tree.content("docs/index.md") == b"# from disk\n"  # a `paths` entry takes the disk content
    assert tree.content("setup.cfg") == b"[metadata]\nname = acme-widget\n"
    assert tree.content("extra.txt") == b"\x00binary"
    assert tree.content("src/widget.py") == b""
    assert tree.entry(".git") is None


def test_on_disk_repo_folders_match_case_insensitively(tmp_path: Path) -> None:
    checkout = tmp_path / "repos" / "github.com" / "solo" / "tool"
    checkout.mkdir(parents=True)
    (checkout / "README.md").write_text("hi")
    tree = load_world(_write_world(tmp_path, tiny_world())).repos_by_key["solo/tool"].tree
    assert tree.content("README.md") == b"hi"


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("repos/github.com/acme/unknown", "repos/github.com/acme/unknown: no repo in world.json"),
        ("repos/bitbucket.org/acme/widget", "repos/bitbucket.org: expected a folder named github.com or"),
    ],
)
def test_stray_folders_are_rejected(tmp_path: Path, folder: str, message: str) -> None:
    (tmp_path / folder).mkdir(parents=True)
    (tmp_path / folder / "f").write_text("x")
    with pytest.raises(WorldError, match=message):
        load_world(_write_world(tmp_path, tiny_world()))


def test_unreadable_worlds_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(WorldError, match="not a directory"):
        load_world(tmp_path / "missing")
    with pytest.raises(WorldError, match=r"world\.json: missing in"):
        load_world(tmp_path)
    (tmp_path / "world.json").write_text("{not json")
    with pytest.raises(WorldError, match=r"world\.json: not readable JSON"):
        load_world(tmp_path)
    (tmp_path / "world.json").write_text("[]")
    with pytest.raises(WorldError, match=r"world\.json: expected an object"):
        load_world(tmp_path)


def test_tree_ids_are_git_like_and_deterministic() -> None:
    assert blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # `git hash-object /dev/null`
    assert blob_sha(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    first = world_from_dict(tiny_world()).repos_by_key["acme/widget"].tree
    again = world_from_dict(tiny_world()).repos_by_key["acme/widget"].tree
    assert first.root_sha == again.root_sha
    changed = tiny_world()
    changed["repos"][0]["files"]["packages/core/package.json"] = "{}"
    other = world_from_dict(changed).repos_by_key["acme/widget"].tree
    assert other.root_sha != first.root_sha
    assert other.entry("docs") == first.entry("docs")  # untouched subtrees keep their id
    assert other.entry("packages") != first.entry("packages")


def test_tree_listings() -> None:
    tree = world_from_dict(tiny_world()).repos_by_key["acme/widget"].tree
    assert [e.name for e in tree.children("")] == ["docs", "package.json", "packages", "setup.cfg", "src"]
    assert [e.path for e in tree.descendants("packages")] == ["packages/core", "packages/core/package.json"]
    assert len(tree.descendants("")) == 9  # 5 files + docs, packages, packages/core, src
    packages = tree.entry("packages")
    assert packages is not None
    assert tree.directory_for_sha(packages.sha) == "packages"


@pytest.mark.parametrize(
    "spelling",
    [
        "http://github.com/acme/widget",
        "git+https://github.com/Acme/Widget.git",
        "HTTPS://GITHUB.COM/ACME/WIDGET",
        "https://github.com/acme/widget/",
        "git@github.com:acme/widget.git",
        "https://gitlab.com/Acme/Tools/Gizmo.git",
        "https://codeberg.org/acme/widget",
        "https://github.com/acme/widget/tree/main",
    ],
)
def test_package_links_are_kept_as_the_registry_spells_them(spelling: str) -> None:
    world = tiny_world()
    world["packages"][5]["repository_url"] = spelling
    loaded = world_from_dict(world)
    solo = loaded.packages_by_name[("cargo", "solo-tool")]
    assert solo.repository_url == spelling
    assert solo in loaded.packages_by_repository_url[spelling.lower()]


def test_name_facts_null_links_and_index_lag() -> None:
    world = world_from_dict(name_facts_world())
    unlinked = world.packages_by_name[("npm", "@acme/unlinked")]
    assert (unlinked.repository_url, unlinked.reverse_indexed, unlinked.in_reverse_index) == (
        None,
        True,
        False,
    )
    lagging = world.packages_by_name[("cargo", "lagging")]
    assert (lagging.repository_url, lagging.reverse_indexed) == ("https://github.com/acme/gadget", False)
    assert not lagging.in_reverse_index
    # the link index holds every linked package (lag is the services' business), never a null link
    assert world.packages_by_repository_url["https://github.com/acme/gadget"] == (lagging,)
    assert all(
        None not in {p.repository_url for p in group} for group in world.packages_by_repository_url.values()
    )


def test_a_world_without_the_new_fields_loads_as_before() -> None:
    data = tiny_world()
    world = world_from_dict(data)
    assert [(p.ecosystem, p.name, p.repository_url) for p in world.packages] == [
        (p["ecosystem"], p["name"], p["repository_url"]) for p in data["packages"]
    ]
    assert all(p.reverse_indexed and p.in_reverse_index for p in world.packages)
    assert all(p.reverse_indexed for p in load_world(CORPUS / "world").packages)
