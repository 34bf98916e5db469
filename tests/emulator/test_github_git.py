from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from distscout.emulator.budget import Limits
from distscout.emulator.server import EmulatorServer
from distscout.emulator.tree import blob_sha
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import github, tiny_world

BIG = "x" * 200 + "\n"


@pytest.fixture(scope="module")
def tiny() -> Iterator[EmulatorServer]:
    world = tiny_world()
    world["repos"][0]["files"]["docs/big.txt"] = BIG
    with EmulatorServer(world) as server:
        yield server


@pytest.fixture
def gh(tiny: EmulatorServer) -> Iterator[httpx.Client]:
    with github(tiny) as api:
        yield api


def test_file_contents(gh: httpx.Client, tiny: EmulatorServer) -> None:
    answer = gh.get("/repos/acme/widget/contents/docs/big.txt", params={"ref": "main"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["type"], body["name"], body["path"], body["encoding"]) == (
        "file",
        "big.txt",
        "docs/big.txt",
        "base64",
    )
    assert body["size"] == len(BIG)
    assert body["sha"] == blob_sha(BIG.encode())
    lines = body["content"].split("\n")
    assert lines[-1] == ""  # newline-terminated
    assert all(len(line) == 60 for line in lines[:-2]) and 0 < len(lines[-2]) <= 60
    assert base64.b64decode(body["content"]) == BIG.encode()
    assert body["git_url"] == f"{tiny.url_for('github')}/repos/acme/widget/git/blobs/{body['sha']}"
    assert body["download_url"] == "https://raw.githubusercontent.com/acme/widget/main/docs/big.txt"
    raw = gh.get(
        "/repos/acme/widget/contents/docs/big.txt", headers={"Accept": "application/vnd.github.raw+json"}
    )
    assert raw.content == BIG.encode()


def test_directory_contents(gh: httpx.Client) -> None:
    root = gh.get("/repos/acme/widget/contents")
    assert root.status_code == 200
    assert [(e["type"], e["name"]) for e in root.json()] == [
        ("dir", "docs"),
        ("file", "package.json"),
        ("dir", "packages"),
        ("file", "setup.cfg"),
        ("dir", "src"),
    ]
    assert gh.get("/repos/acme/widget/contents/").json() == root.json()
    nested = gh.get("/repos/acme/widget/contents/packages/core").json()
    assert [(e["type"], e["path"], e["size"]) for e in nested] == [("file", "packages/core/package.json", 0)]
    entry = root.json()[0]
    assert set(entry) >= {"type", "name", "path", "sha", "size", "url", "git_url", "html_url", "download_url"}
    assert entry["download_url"] is None


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/repos/acme/widget/contents/nope.txt", 404, "Not Found"),
        (
            "/repos/acme/widget/contents/setup.cfg?ref=no-such-branch",
            404,
            "No commit found for the ref no-such-branch",
        ),
        ("/repos/acme/widget/contents/setup.cfg?ref=HEAD", 200, None),
        ("/repos/acme/widget/contents/setup.cfg?ref=v1.0.0", 200, None),  # release tags are refs
        ("/repos/acme/gadget/contents/README?ref=trunk", 200, None),
        ("/repos/acme/gadget/contents/README?ref=main", 404, "No commit found for the ref main"),
        ("/repos/acme/empty/contents", 404, "This repository is empty."),
    ],
)
def test_contents_statuses(gh: httpx.Client, path: str, status: int, message: str | None) -> None:
    answer = gh.get(path)
    assert answer.status_code == status
    if message:
        assert answer.json()["message"] == message


def test_directory_listings_are_cut_at_1000_entries(emulator_factory: EmulatorFactory) -> None:
    world = tiny_world()
    world["repos"][1]["paths"] = [f"many/f{i:04}.txt" for i in range(1500)]
    with github(emulator_factory(world)) as api:
        listing = api.get("/repos/acme/gadget/contents/many", params={"per_page": 100, "page": 2})
        assert listing.status_code == 200
        assert len(listing.json()) == 1000  # silently, ignoring per_page/page, no Link
        assert listing.json()[0]["name"] == "f0000.txt"
        assert "link" not in listing.headers
        tree = api.get("/repos/acme/gadget/git/trees/HEAD", params={"recursive": 1}).json()
        assert len(tree["tree"]) == 1501 and tree["truncated"] is False  # many/ and its 1500 files


def test_recursive_tree(gh: httpx.Client, tiny: EmulatorServer) -> None:
    answer = gh.get("/repos/acme/widget/git/trees/main", params={"recursive": "1"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["truncated"] is False
    paths = [(e["path"], e["type"]) for e in body["tree"]]
    assert paths == [
        ("docs", "tree"),
        ("docs/big.txt", "blob"),
        ("docs/index.md", "blob"),
        ("package.json", "blob"),
        ("packages", "tree"),
        ("packages/core", "tree"),
        ("packages/core/package.json", "blob"),
        ("setup.cfg", "blob"),
        ("src", "tree"),
        ("src/widget.py", "blob"),
    ]
    blob = body["tree"][1]
    assert (blob["mode"], blob["size"]) == ("100644", len(BIG))
    assert blob["url"] == f"{tiny.url_for('github')}/repos/acme/widget/git/blobs/{blob['sha']}"
    assert "size" not in body["tree"][0] and body["tree"][0]["mode"] == "040000"
    for value in ("0", "false", ""):  # any value of recursive turns recursion on
        assert gh.get(f"/repos/acme/widget/git/trees/HEAD?recursive={value}").json()["tree"] == body["tree"]
    assert gh.get(f"/repos/acme/widget/git/trees/{body['sha']}?recursive=1").json() == body


def test_flat_and_sub_trees(gh: httpx.Client) -> None:
    flat = gh.get("/repos/acme/widget/git/trees/HEAD").json()
    assert [e["path"] for e in flat["tree"]] == ["docs", "package.json", "packages", "setup.cfg", "src"]
    packages_sha = flat["tree"][2]["sha"]
    sub = gh.get(f"/repos/acme/widget/git/trees/{packages_sha}", params={"recursive": 1}).json()
    assert sub["sha"] == packages_sha
    assert [e["path"] for e in sub["tree"]] == ["core", "core/package.json"]  # relative to the sub-tree
    scoped = gh.get("/repos/acme/widget/git/trees/main:packages").json()
    assert [e["path"] for e in scoped["tree"]] == ["core"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/repos/acme/widget/git/trees/no-such-ref", 404),
        ("/repos/acme/widget/git/trees/main:nowhere", 404),
        ("/repos/acme/widget/git/trees/main:setup.cfg", 422),
        (f"/repos/acme/widget/git/trees/{blob_sha(b'')}", 422),
        ("/repos/acme/empty/git/trees/HEAD?recursive=1", 409),
        ("/repos/acme/empty/git/trees/main", 409),
        ("/repos/acme/gadget/git/trees/trunk", 200),
        ("/repos/acme/gadget/git/trees/main", 404),
    ],
)
def test_tree_statuses(gh: httpx.Client, path: str, status: int) -> None:
    assert gh.get(path).status_code == status


def test_tree_truncation_with_a_small_cap(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), limits=Limits(tree_entry_cap=4))
    with github(server) as api:
        body = api.get("/repos/acme/widget/git/trees/HEAD", params={"recursive": 1}).json()
        assert body["truncated"] is True
        assert [e["path"] for e in body["tree"]] == ["docs", "docs/index.md", "package.json", "packages"]
        flat = api.get("/repos/acme/widget/git/trees/HEAD").json()  # 5 entries at the root
        assert flat["truncated"] is True and len(flat["tree"]) == 4


def test_blobs(gh: httpx.Client) -> None:
    sha = blob_sha(BIG.encode())
    body = gh.get(f"/repos/acme/widget/git/blobs/{sha}").json()
    assert (body["sha"], body["size"], body["encoding"]) == (sha, len(BIG), "base64")
    assert base64.b64decode(body["content"]) == BIG.encode()
    raw = gh.get(f"/repos/acme/widget/git/blobs/{sha}", headers={"Accept": "application/vnd.github.raw"})
    assert raw.content == BIG.encode()
    assert gh.get(f"/repos/acme/gadget/git/blobs/{sha}").status_code == 404  # not in that repo
    assert gh.get("/repos/acme/widget/git/blobs/0000").status_code == 404


def test_corpus_tree_and_manifest(corpus_emulator: EmulatorServer) -> None:
    with github(corpus_emulator) as api:
        tree = api.get("/repos/BurntSushi/ripgrep/git/trees/HEAD", params={"recursive": 1}).json()
        paths = {e["path"] for e in tree["tree"] if e["type"] == "blob"}
        assert "Cargo.toml" in paths
        manifest = api.get("/repos/BurntSushi/ripgrep/contents/Cargo.toml").json()
        assert b"ripgrep" in base64.b64decode(manifest["content"])
