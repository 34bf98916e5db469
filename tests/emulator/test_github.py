from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import github, tiny_world


@pytest.fixture(scope="module")
def tiny() -> Iterator[EmulatorServer]:
    with EmulatorServer(tiny_world()) as server:
        yield server


@pytest.fixture
def gh(tiny: EmulatorServer) -> Iterator[httpx.Client]:
    with github(tiny) as api:
        yield api


def test_repository(gh: httpx.Client) -> None:
    answer = gh.get("/repos/ACME/Gadget")  # owner and name match case-insensitively
    assert answer.status_code == 200
    repo = answer.json()
    assert repo["full_name"] == "acme/gadget"
    assert repo["name"] == "gadget"
    assert repo["owner"]["login"] == "acme"
    assert repo["owner"]["type"] == "Organization"
    assert (repo["archived"], repo["default_branch"], repo["private"], repo["fork"]) == (
        True,
        "trunk",
        False,
        False,
    )
    assert repo["html_url"] == "https://github.com/acme/gadget"
    assert isinstance(repo["id"], int)
    assert gh.get("/repos/Solo/Tool").json()["owner"]["type"] == "User"


def test_missing_things_answer_github_style_404(gh: httpx.Client) -> None:
    for path in ("/repos/acme/nothing", "/repos/acme", "/nowhere", "/repos/acme/widget/unknown-route"):
        answer = gh.get(path)
        assert answer.status_code == 404, path
        assert answer.json() == {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
            "status": "404",
        }


@pytest.mark.parametrize(
    "route",
    ["", "/releases?per_page=1", "/contents/setup.cfg?ref=main", "/contents", "/git/trees/HEAD?recursive=1"],
)
def test_renamed_repos_answer_301_on_every_route(gh: httpx.Client, tiny: EmulatorServer, route: str) -> None:
    answer = gh.get("/repos/acme/old-widget" + route)
    assert answer.status_code == 301
    assert answer.headers["location"] == tiny.url_for("github") + "/repos/acme/widget" + route
    assert answer.json()["url"] == answer.headers["location"]
    followed = gh.get(answer.headers["location"])
    assert followed.status_code == 200


def test_user_agent_is_required(tiny: EmulatorServer) -> None:
    with httpx.Client(base_url=tiny.url_for("github")) as bare:
        answer = bare.get("/repos/acme/widget", headers={"User-Agent": ""})
    assert answer.status_code == 403
    assert "User-Agent" in answer.text
    assert "x-ratelimit-limit" in answer.headers


def test_api_version_header(gh: httpx.Client) -> None:
    assert gh.get("/repos/acme/widget", headers={"X-GitHub-Api-Version": "2022-11-28"}).status_code == 200
    assert gh.get("/repos/acme/widget", headers={"X-GitHub-Api-Version": "1999-01-01"}).status_code == 400


def test_releases_newest_first_with_link_pagination(gh: httpx.Client, tiny: EmulatorServer) -> None:
    every = gh.get("/repos/acme/widget/releases").json()
    assert [r["tag_name"] for r in every] == ["v1.2.0", "v1.1.0", "v1.0.0"]
    first = every[0]
    assert (first["draft"], first["prerelease"], first["published_at"]) == (
        False,
        False,
        "2024-05-01T10:00:00Z",
    )
    assert every[1]["prerelease"] is True
    asset = first["assets"][0]
    assert asset["name"] == "acme_widget-1.2.0.whl"
    assert (
        asset["browser_download_url"]
        == "https://github.com/acme/widget/releases/download/v1.2.0/acme_widget-1.2.0.whl"
    )
    assert isinstance(asset["size"], int)
    assert asset["content_type"]
    assert asset["state"] == "uploaded"

    page = gh.get("/repos/acme/widget/releases", params={"per_page": 2})
    assert [r["tag_name"] for r in page.json()] == ["v1.2.0", "v1.1.0"]
    base = tiny.url_for("github") + "/repos/acme/widget/releases"
    assert (
        page.headers["link"]
        == f'<{base}?per_page=2&page=2>; rel="next", <{base}?per_page=2&page=2>; rel="last"'
    )
    last = gh.get(page.links["next"]["url"])
    assert [r["tag_name"] for r in last.json()] == ["v1.0.0"]
    assert last.links["prev"]["url"] == f"{base}?per_page=2&page=1"
    assert "next" not in last.links
    assert "link" not in gh.get("/repos/acme/widget/releases").headers  # one page: no Link
    assert len(gh.get("/repos/acme/widget/releases", params={"per_page": 500}).json()) == 3  # clamped to 100
    assert gh.get("/repos/acme/gadget/releases").json() == []


def test_releases_per_page_is_capped_at_100(emulator_factory: EmulatorFactory) -> None:
    world = tiny_world()
    world["repos"][0]["releases"] = [{"tag_name": f"v{i}"} for i in range(150)]
    with github(emulator_factory(world)) as api:
        first = api.get("/repos/acme/widget/releases", params={"per_page": 1000})
        assert len(first.json()) == 100
        assert "page=2" in first.links["next"]["url"]
        assert len(api.get(first.links["next"]["url"]).json()) == 50


def test_owner_packages(gh: httpx.Client) -> None:
    packages = gh.get("/orgs/acme/packages", params={"package_type": "npm"})
    assert packages.status_code == 200
    [widget] = packages.json()
    assert (widget["name"], widget["package_type"]) == ("widget", "npm")
    assert widget["repository"]["full_name"] == "acme/widget"
    assert widget["owner"]["login"] == "acme"
    containers = gh.get("/orgs/acme/packages", params={"package_type": "container"}).json()
    assert [p["name"] for p in containers] == ["widget-image"]
    assert gh.get("/orgs/acme/packages", params={"package_type": "maven"}).json() == []
    assert gh.get("/orgs/acme/packages", params={"package_type": "npm", "visibility": "private"}).json() == []
    user = gh.get("/users/solo/packages", params={"package_type": "npm"}).json()
    assert [p["repository"]["full_name"] for p in user] == ["Solo/Tool"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/orgs/acme/packages", 400),  # package_type is required
        ("/orgs/acme/packages?package_type=pypi", 400),
        ("/users/acme/packages?package_type=npm", 404),  # acme is an organization
        ("/orgs/Solo/packages?package_type=npm", 404),  # Solo is a user
        ("/users/nobody/packages?package_type=npm", 404),
    ],
)
def test_owner_packages_statuses(gh: httpx.Client, path: str, status: int) -> None:
    assert gh.get(path).status_code == status


def test_org_repos(gh: httpx.Client, tiny: EmulatorServer) -> None:
    every = gh.get("/orgs/acme/repos").json()
    assert [r["full_name"] for r in every] == ["acme/empty", "acme/gadget", "acme/widget"]
    page = gh.get("/orgs/acme/repos", params={"per_page": 2, "type": "all"})
    assert len(page.json()) == 2
    base = tiny.url_for("github") + "/orgs/acme/repos"
    assert page.links["next"]["url"] == f"{base}?type=all&per_page=2&page=2"
    assert page.links["last"]["url"] == f"{base}?type=all&per_page=2&page=2"
    assert gh.get("/orgs/Solo/repos").status_code == 404
    assert gh.get("/orgs/nobody/repos").status_code == 404


def test_rate_limit_route(gh: httpx.Client) -> None:
    body = gh.get("/rate_limit").json()
    assert body["resources"]["core"]["limit"] == 5000
    assert body["rate"] == body["resources"]["core"]


def test_corpus_repo_metadata(corpus_emulator: EmulatorServer) -> None:
    with github(corpus_emulator) as api:
        assert api.get("/repos/dart-lang/path").json()["archived"] is True
        assert api.get("/repos/catchorg/Catch2").json()["default_branch"] == "devel"
        moved = api.get("/repos/synthetic/old-name")
        assert moved.status_code == 301
        assert moved.headers["location"].endswith("/github/repos/synthetic/new-name")
        assert api.get("/repos/synthetic/empty/git/trees/HEAD", params={"recursive": 1}).status_code == 409
