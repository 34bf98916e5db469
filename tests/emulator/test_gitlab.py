"""The emulated GitLab REST API: its world, routes, pagination and rate-limit headers (§4 of the spec)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from distscout.emulator.budget import Limits
from distscout.emulator.world import WorldError, load_world, world_from_dict
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.gitlab_world import BIG_PACKAGES, gitlab_world

WIDGET = "/api/v4/projects/acme%2Ftools%2Fwidget"


def _get(client: httpx.Client, path: str, **headers: str) -> httpx.Response:
    return client.get(path, headers=headers)


@pytest.fixture
def gitlab(emulator_factory: EmulatorFactory) -> httpx.Client:
    server = emulator_factory(gitlab_world())
    return httpx.Client(base_url=server.url_for("gitlab"), timeout=10)


def test_a_project_by_path_or_former_path_or_id(gitlab: httpx.Client) -> None:
    project = gitlab.get(WIDGET).json()
    assert project["path_with_namespace"] == "acme/tools/widget"
    assert project["namespace"] == {
        "name": "tools",
        "path": "tools",
        "kind": "group",
        "full_path": "acme/tools",
    }
    assert gitlab.get("/api/v4/projects/acme%2Fold-widget").json()["id"] == project["id"]
    assert (
        gitlab.get(f"/api/v4/projects/{project['id']}").json()["path_with_namespace"] == "acme/tools/widget"
    )
    missing = gitlab.get("/api/v4/projects/acme%2Fnope")
    assert (missing.status_code, missing.json()) == (404, {"message": "404 Project Not Found"})


def test_lists_carry_gitlab_pagination_headers(gitlab: httpx.Client) -> None:
    first = gitlab.get("/api/v4/projects/acme%2Fbig/packages", params={"per_page": 100})
    assert len(first.json()) == 100
    assert {
        k: first.headers[k] for k in ("x-page", "x-per-page", "x-next-page", "x-total", "x-total-pages")
    } == {
        "x-page": "1",
        "x-per-page": "100",
        "x-next-page": "2",
        "x-total": str(BIG_PACKAGES),
        "x-total-pages": "2",
    }
    assert 'rel="next"' in first.headers["link"]
    last = gitlab.get("/api/v4/projects/acme%2Fbig/packages", params={"per_page": 100, "page": 2})
    assert len(last.json()) == BIG_PACKAGES - 100 and last.headers["x-next-page"] == ""
    clamped = gitlab.get("/api/v4/projects/acme%2Fbig/packages", params={"per_page": 500})
    assert clamped.headers["x-per-page"] == "100"
    dated = gitlab_world()
    dated["repos"][0]["gitlab_packages"][0]["created_at"] = "2025-03-04T05:06:07Z"
    assert (
        world_from_dict(dated).gitlab_projects["acme/tools/widget"].gitlab_packages[0].created_at is not None
    )


def test_the_tree_pages_by_keyset(gitlab: httpx.Client) -> None:
    params: dict[str, Any] = {"recursive": "true", "per_page": 100, "pagination": "keyset"}
    seen: list[str] = []
    response = gitlab.get("/api/v4/projects/acme%2Fbig/repository/tree", params=params)
    while True:
        seen += [entry["path"] for entry in response.json()]
        if 'rel="next"' not in response.headers.get("link", ""):
            break
        assert "x-total" not in response.headers  # keyset pages carry no totals
        response = gitlab.get(response.headers["link"].split(">")[0].lstrip("<"))
    assert len(seen) == len(set(seen)) and sum(p.endswith("package.json") for p in seen) == 150
    bad = gitlab.get("/api/v4/projects/acme%2Fbig/repository/tree", params={**params, "page_token": "zz"})
    assert bad.status_code == 400


def test_raw_files_and_releases(gitlab: httpx.Client) -> None:
    raw = gitlab.get(WIDGET + "/repository/files/py%2Fpyproject.toml/raw", params={"ref": "main"})
    assert raw.text.startswith("[project]")
    assert gitlab.get(WIDGET + "/repository/files/nope.txt/raw").status_code == 404
    (release,) = gitlab.get(WIDGET + "/releases").json()
    assert [link["name"] for link in release["assets"]["links"]] == [
        "acme_widget-1.0-py3-none-any.whl",
        "notes.txt",
    ]
    assert release["released_at"] == "2024-02-01T00:00:00.000Z"


def test_a_group_lists_its_subgroups_projects_on_request(gitlab: httpx.Client) -> None:
    def paths(**params: str) -> list[str]:
        return sorted(
            p["path_with_namespace"] for p in gitlab.get("/api/v4/groups/acme/projects", params=params).json()
        )

    assert paths() == ["acme/big", "acme/empty", "acme/frozen"]
    assert paths(include_subgroups="true") == ["acme/big", "acme/empty", "acme/frozen", "acme/tools/widget"]
    assert gitlab.get("/api/v4/groups/nobody/projects").status_code == 404


def test_budgets_per_minute_answer_429_retry_later(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(gitlab_world(), limits=Limits(gitlab_anonymous_per_minute=2))
    client = httpx.Client(base_url=server.url_for("gitlab"), timeout=10)
    first = client.get(WIDGET)
    assert first.headers["ratelimit-name"] == "throttle_unauthenticated_api"
    assert (first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]) == ("2", "1")
    client.get(WIDGET + "/releases")
    spent = client.get(WIDGET + "/packages")
    assert spent.status_code == 429 and spent.text == "Retry later\n"
    assert spent.headers["ratelimit-remaining"] == "0" and int(spent.headers["retry-after"]) > 0
    assert "ratelimit-resettime" in spent.headers
    token = client.get(WIDGET, headers={"Authorization": "Bearer t"})  # a token has its own budget
    assert token.status_code == 200 and token.headers["ratelimit-name"] == "throttle_authenticated_api"


def test_weak_etags_are_honoured(gitlab: httpx.Client) -> None:
    first = gitlab.get(WIDGET)
    assert first.headers["etag"].startswith("W/")
    assert gitlab.get(WIDGET, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_world_format_for_gitlab(tmp_path: Path) -> None:
    world = world_from_dict(gitlab_world())
    widget = world.gitlab_projects["acme/tools/widget"]
    assert (widget.host, widget.owner, widget.name, widget.owner_type) == (
        "gitlab.com",
        "acme/tools",
        "widget",
        "Group",
    )
    assert world.gitlab_projects["acme/old-widget"] is widget
    assert "acme/widget" in world.repos_by_key  # GitHub's repository of a GitLab-like path stays GitHub's
    bad = gitlab_world()
    bad["repos"][0]["github_packages"] = [{"name": "x", "package_type": "npm"}]
    with pytest.raises(WorldError, match=r"repos\[0\]\.github_packages: not for a repository on gitlab\.com"):
        world_from_dict(bad)
    folder = tmp_path / "repos" / "gitlab.com" / "acme" / "tools" / "widget"
    folder.mkdir(parents=True)
    (folder / "setup.cfg").write_text("[metadata]\nname = from-disk\n")
    (tmp_path / "world.json").write_text(json.dumps(gitlab_world()))
    on_disk = load_world(tmp_path).gitlab_projects["acme/tools/widget"].tree
    assert on_disk.content("setup.cfg") is not None and on_disk.content("package.json") is not None


def test_graphql_blobs_by_path(gitlab: httpx.Client) -> None:
    query = (
        'query($p: ID!, $paths: [String!]!) { project(fullPath: $p) { repository { blobs(ref: "main", '
        "paths: $paths) { nodes { path size rawTextBlob } } } } }"
    )
    paths = ["package.json", "nope.txt", "py/pyproject.toml"]
    answer = gitlab.post(
        "/api/graphql", json={"query": query, "variables": {"p": "acme/tools/widget", "paths": paths}}
    )
    nodes = answer.json()["data"]["project"]["repository"]["blobs"]["nodes"]
    assert [n["path"] for n in nodes] == ["package.json", "py/pyproject.toml"]  # no such file: left out
    assert nodes[0]["size"] == str(len(nodes[0]["rawTextBlob"]))  # BigInt, as a string
    missing = gitlab.post(
        "/api/graphql", json={"query": query, "variables": {"p": "acme/nope", "paths": paths}}
    )
    assert missing.json()["data"] == {"project": None}
    wrong = gitlab.post("/api/graphql", json={"query": '{ project(fullPath: "x") { stars } }'})
    assert "stars" in wrong.json()["errors"][0]["message"] and "data" not in wrong.json()


def test_a_304_is_charged_as_gitlab_does_not_say_it_is_free(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(gitlab_world())
    client = httpx.Client(base_url=server.url_for("gitlab"), timeout=10)
    first = client.get(WIDGET)
    again = client.get(WIDGET, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert server.stats()["gitlab"]["rate_limit_cost"] == 2
    assert client.get(WIDGET).headers["ratelimit-remaining"] == str(500 - 3)


def test_a_package_version_is_served_with_its_upload_date(emulator_factory: EmulatorFactory) -> None:
    dated = gitlab_world()
    dated["repos"][0]["gitlab_packages"][0]["created_at"] = "2025-03-04T05:06:07Z"
    client = httpx.Client(base_url=emulator_factory(dated).url_for("gitlab"), timeout=10)
    first, *_ = client.get(WIDGET + "/packages").json()
    assert first["created_at"] == "2025-03-04T05:06:07.000Z"
