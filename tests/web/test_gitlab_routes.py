"""A GitLab repository in the API, the dashboard and the admin routes: named `host/path`, reached under
`/repos/{host}/{path}` and `/api/repos/{host}/{path}`, beside the GitHub ones."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import stamina
from fastapi.testclient import TestClient

from distscout.repos import parse_repo_ref
from distscout.scanner import scan_repo
from distscout.store.repos import add_repos, list_repos
from distscout.store.rotation import record_scan
from distscout.web.app import create_app
from distscout.web.rendering import repo_path
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.gitlab_world import gitlab_world
from tests.sources.helpers import settings_for, upstreams_for
from tests.web.conftest import ADMIN, TOKEN, ServiceFactory

WIDGET = "gitlab.com/acme/tools/widget"


async def test_a_gitlab_repository_on_every_surface(
    make_service: ServiceFactory, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    world = emulator_factory(gitlab_world())
    url = f"sqlite:///{tmp_path / 'gitlab.db'}"
    service = make_service(url, api_token=TOKEN, gitlab_api_url=world.url_for("gitlab") + "/api/v4")
    ref = parse_repo_ref("https://" + WIDGET)
    settings = settings_for(world)
    with stamina.set_testing(True, attempts=1):
        async with upstreams_for(world) as upstreams:
            scan = await scan_repo(upstreams, ref, settings)
    with service.engine.begin() as connection:
        add_repos(connection, [ref, parse_repo_ref("acme/widget")], service.now())
        repo_id = next(r.id for r in list_repos(connection) if r.ref.key == ref.key)
        record_scan(connection, repo_id, scan, service.now(), timedelta(days=180))
    assert repo_path(WIDGET) == "/repos/gitlab.com/acme/tools/widget"
    with TestClient(create_app(service)) as client:
        report = client.get("/api/repos/" + WIDGET).json()
        assert report["repo"] == WIDGET and {row["source"] for row in report["distribution"]} >= {
            "gitlab_packages",
            "gitlab_release_asset",
        }
        assert client.get("/api/repos/acme/widget").json()["repo"] == "acme/widget"  # GitHub's, apart
        page = client.get(repo_path(WIDGET))
        assert page.status_code == 200 and "orphan-crate" in page.text
        listing = client.get("/repos").text
        assert f'href="{repo_path(WIDGET)}"' in listing
        orphans = client.get("/api/orphans").json()["items"]
        assert [o["repo"] for o in orphans] == [WIDGET]
        assert client.get("/api/repos/gitlab.com/acme/nope").status_code == 404
        unknown = client.get("/api/repos/bitbucket.org/acme/x")
        assert unknown.status_code == 422 and "not a known forge" in unknown.json()["error"]
        queued = client.post(f"/api/admin/repos/{WIDGET}/recheck", headers=ADMIN)
        assert queued.status_code == 202 and queued.json()["queued"] == [WIDGET]
        rebuilt = client.post(f"/api/admin/repos/{WIDGET}/reprocess", headers=ADMIN)
        assert rebuilt.status_code == 200 and WIDGET in rebuilt.json()["reprocessed"]
