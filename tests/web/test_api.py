"""Every API route against the scanned corpus: answers, auth failures, bad parameters — never a 500."""

from __future__ import annotations

import csv
import io
import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from distscout.emulator.server import EmulatorServer
from distscout.integrity.repair import RepairOutcome
from distscout.repos import parse_repo_ref
from distscout.store.queries import fleet_stats, orphans, repo_report, unclaimed
from distscout.store.schema import repo_distribution
from distscout.web import integrity_runs
from distscout.web.app import create_app
from distscout.web.service import Service
from tests.web.conftest import ADMIN, TOKEN, ServiceFactory

CORPUS_ORPHANS = {"conda-forge/pip-feedstock", "conda-forge/requests-feedstock", "synthetic/legacy-setup"}
ADMIN_POSTS = [
    "/api/admin/repos",
    "/api/admin/repos/pallets/flask/recheck",
    "/api/admin/repos/pallets/flask/reprocess",
    "/api/admin/integrity",
]


def test_stats_match_the_store(client: TestClient, service: Service) -> None:
    body = client.get("/api/stats").json()
    with service.engine.connect() as connection:
        assert {k: v for k, v in body.items() if k != "coverage"} == fleet_stats(connection).as_dict()
    assert body["total"] == 40 and body["orphans"] == 3
    pypi = next(row for row in body["coverage"] if row["ecosystem"] == "pypi")
    assert pypi["published"] < pypi["declared"]


def items(client: TestClient, path: str, **params: str) -> list[dict[str, object]]:
    """Every row of a paged list (the corpus fits one page of 1000)."""
    page = client.get(path, params={"limit": "1000", **params}).json()
    assert page["next"] is None and page["total"] == len(page["items"])
    rows: list[dict[str, object]] = page["items"]
    return rows


def test_orphans_unclaimed_and_filter(client: TestClient, service: Service) -> None:
    rows = items(client, "/api/orphans")
    with service.engine.connect() as connection:
        assert rows == orphans(connection)
        packages = {(r["repo"], r["ecosystem"], r["package_name"]) for r in unclaimed(connection)}
    listed = items(client, "/api/unclaimed")
    assert {(r["repo"], r["ecosystem"], r["package_name"]) for r in listed} == packages
    assert {r["repo"] for r in rows} == CORPUS_ORPHANS
    assert all("intent_reason" in r for r in rows)
    assert [r["repo"] for r in items(client, "/api/orphans", ecosystem="PyPI")] == ["synthetic/legacy-setup"]
    assert [r["verdict"] for r in rows] == ["unregistered", "taken", "taken"]  # the free name first
    free = items(client, "/api/orphans", verdict="unregistered")
    assert [r["repo"] for r in free] == ["synthetic/legacy-setup"]
    assert items(client, "/api/orphans", verdict="invalid-name") == []


def test_repos_list_and_one_repo(client: TestClient, service: Service) -> None:
    listed = client.get("/api/repos", params={"limit": 5}).json()
    assert len(listed["items"]) == 5 and listed["total"] == 40 and listed["next"]
    assert {"repo", "scan", "failed_attempts", "last_error", "orphans"} <= set(listed["items"][0])
    body = client.get("/api/repos/Pallets/Flask").json()
    with service.engine.connect() as connection:
        assert body == json.loads(json.dumps(repo_report(connection, parse_repo_ref("pallets/flask"))))
    assert body["state"]["scan_complete"] is True and body["history"]["scans"]
    assert "pyproject.toml" in {m["manifest_path"] for m in body["manifests"]}


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/api/repos/nobody/nothing", 404, "nobody/nothing is not tracked"),
        ("/api/repos/acme/.git", 422, "not a valid owner/name"),
        ("/api/repos/own%20er/name", 422, "owner: expected a GitHub owner: letters, digits"),
        ("/api/repos/acme/" + "n" * 101, 422, "name: expected a repository name"),
        ("/api/repos?limit=0", 422, "limit"),
        ("/api/repos?limit=many", 422, "limit"),
        ("/api/packages", 422, "package"),
        ("/api/packages?package=requests", 422, "package: expected ecosystem/name, like pypi/requests"),
        ("/api/packages?package=%3Cb%3E/x", 422, "package: expected ecosystem/name, like pypi/requests"),
        ("/api/orphans?ecosystem=" + "x" * 41, 422, "ecosystem"),
        ("/api/orphans?verdict=free", 422, "verdict"),
        ("/api/export/secrets", 422, "table"),
        ("/api/export/repos?format=xml", 422, "format"),
        ("/api/nothing-here", 404, "Not Found"),
    ],
)
def test_bad_parameters_are_json_4xx(client: TestClient, path: str, status: int, says: str) -> None:
    answer = client.get(path)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert says in answer.json()["error"]


def test_package_search(client: TestClient) -> None:
    found = client.get("/api/packages", params={"package": "pypi/requests"}).json()
    assert "psf/requests" in {r["repo"] for r in found["published_by"]}
    assert found["normalized_name"] == "requests"
    assert client.get("/api/packages", params={"package": "npm/@nobody/nothing"}).json()["published_by"] == []


def test_exports_stream_csv_and_jsonl(client: TestClient) -> None:
    answer = client.get("/api/export/orphans")
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="orphans.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["repo"] for r in rows} == CORPUS_ORPHANS
    assert {r["verdict"] for r in rows} == {"unregistered", "taken"} and "linked_repository" in rows[0]
    lines = client.get("/api/export/repos", params={"format": "jsonl"}).text.splitlines()
    assert len(lines) == 40 and json.loads(lines[0])["repo"]


def test_workers_without_workers_in_process(client: TestClient) -> None:
    body = client.get("/api/workers").json()
    assert body["workers_in_process"] is False and body["breakers"] == [] and body["due"] == 0
    assert len(body["recent_scans"]) == 20 and body["recent_scans"][0]["verdict"] == "complete"


def test_the_workers_page_lists_every_registered_process_with_its_last_beat(
    client: TestClient, service: Service
) -> None:
    """A fleet's `--workers-only` processes serve no page: the web's is where an operator sees them."""
    from datetime import timedelta

    from distscout.store.schema import workers

    now = service.now()
    with service.engine.begin() as connection:  # two machines' processes; one stopped 5 minutes ago
        for name, kind, beat in (("a", "serve", now - timedelta(minutes=5)), ("b", "scan", now)):
            row = {"id": f"{name}:1", "kind": kind, "host": f"machine-{name}", "pid": 1}
            connection.execute(workers.insert().values(**row, started_at=beat, beat_at=beat))
    fleet = client.get("/api/workers").json()["fleet"]
    assert [(w["kind"], w["late"]) for w in fleet] == [("serve", True), ("scan", False)]
    assert all(w["host"] and w["pid"] for w in fleet) and fleet[0]["beat_seconds_ago"] >= 300
    page = client.get("/workers").text
    assert 'id="fleet"' in page and "late: its claims are taken back" in page


def test_integrity_panel_and_recover_all(client: TestClient, service: Service) -> None:
    client.post("/api/admin/repos/synthetic/legacy-setup/recheck", headers=ADMIN)  # due again: no finding
    panel = client.get("/api/integrity").json()
    assert panel["status"] in ("clean", "issues") and panel["run"] is None
    assert client.get("/api/integrity/run").json() == {"run": None}
    started = client.post("/api/admin/integrity", headers=ADMIN)
    assert started.status_code in (200, 202)
    run = started.json()["run"]
    assert run["status"] in ("running", "done")
    latest = service.integrity.latest
    assert latest is not None and latest.done.wait(30)
    final = client.get("/api/integrity/run").json()["run"]
    assert final["id"] == run["id"] and final["status"] == "done" and final["finished_at"]
    assert {"findings", "recheck_names", "reprocessed"} <= set(final["outcome"])
    assert client.get("/api/integrity").json()["run"]["status"] == "done"


def test_a_daemons_check_is_not_a_repair_of_one_action(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A settled daemon asks for a whole check; one already running for one action (`only`) checks
    nothing else, so it does not count, and the next whole repair starts once that one has finished."""
    release, real = threading.Event(), integrity_runs.repair

    def held(*args: Any, **kwargs: Any) -> RepairOutcome:
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(integrity_runs, "repair", held)
    runs = service.integrity
    first, started = runs.start(only="reprocess")
    assert started and not runs.check_now() and runs.latest is first
    release.set()
    assert first.done.wait(30) and first.status == "done"
    assert runs.check_now()
    whole = runs.latest
    assert whole is not None and whole is not first and whole.only is None
    assert whole.done.wait(30) and whole.status == "done"
    assert whole.outcome is not None and "findings" in whole.outcome


def test_only_takes_recheck_or_reprocess(client: TestClient) -> None:
    answer = client.post("/api/admin/integrity", params={"only": "everything"}, headers=ADMIN)
    assert answer.status_code == 422 and "only" in answer.json()["error"]


def test_add_repos_all_or_nothing(client: TestClient) -> None:
    added = client.post("/api/admin/repos", json={"repos": ["acme/widget", "pallets/flask"]}, headers=ADMIN)
    assert added.json() == {"added": ["acme/widget"], "already_tracked": ["pallets/flask"]}
    refused = client.post("/api/admin/repos", json={"repos": ["acme/other", "not a repo"]}, headers=ADMIN)
    assert refused.status_code == 422 and "repos[1]" in refused.json()["error"]
    assert client.get("/api/repos/acme/other").status_code == 404
    for body in ({}, {"repos": []}, {"repos": "acme/x"}, {"repos": [1]}):
        assert client.post("/api/admin/repos", json=body, headers=ADMIN).status_code == 422
    raw = client.post(
        "/api/admin/repos", content=b"{not json", headers={**ADMIN, "content-type": "application/json"}
    )
    assert raw.status_code == 422


def test_recheck_queues_the_repo(client: TestClient) -> None:
    assert client.get("/api/workers").json()["due"] == 0
    answer = client.post("/api/admin/repos/pallets/flask/recheck", headers=ADMIN)
    assert answer.status_code == 202 and answer.json() == {"queued": ["pallets/flask"]}
    assert client.get("/api/workers").json()["due"] == 1
    assert client.post("/api/admin/repos/nobody/nothing/recheck", headers=ADMIN).status_code == 404


def test_reprocess_rebuilds_from_captures(client: TestClient) -> None:
    before = client.get("/api/repos/pallets/flask").json()
    answer = client.post("/api/admin/repos/pallets/flask/reprocess", headers=ADMIN)
    assert answer.status_code == 200 and "pallets/flask" in answer.json()["reprocessed"]
    after = client.get("/api/repos/pallets/flask").json()
    assert after["distribution"] == before["distribution"] and after["manifests"] == before["manifests"]
    client.post("/api/admin/repos", json={"repos": ["acme/fresh"]}, headers=ADMIN)
    nothing = client.post("/api/admin/repos/acme/fresh/reprocess", headers=ADMIN)
    assert nothing.status_code == 409 and "no stored captures" in nothing.json()["error"]
    assert client.post("/api/admin/repos/acme/.git/reprocess", headers=ADMIN).status_code == 422


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_admin_routes_are_post_only(client: TestClient, path: str) -> None:
    answer = client.get(path, headers=ADMIN)
    assert answer.status_code == 405 and "POST" in answer.headers["allow"]


@pytest.mark.parametrize("path", ADMIN_POSTS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}],
)
def test_admin_needs_the_token(client: TestClient, path: str, headers: dict[str, str]) -> None:
    answer = client.post(path, json={"repos": ["acme/x"]}, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert "token" in answer.json()["error"]


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_admin_fails_closed_without_a_configured_token(make_service: ServiceFactory, path: str) -> None:
    with TestClient(create_app(make_service())) as open_client:
        answer = open_client.post(path, json={"repos": ["acme/x"]}, headers=ADMIN)
        assert answer.status_code == 503
        assert "DISTSCOUT_API_TOKEN" in answer.json()["error"]
        assert open_client.get("/api/repos/acme/x").status_code == 404  # nothing was added


READS = ["/api/stats", "/api/orphans", "/api/repos/pallets/flask", "/metrics", "/api/workers", "/"]


@pytest.mark.parametrize("path", READS)
def test_protected_reads(make_service: ServiceFactory, path: str) -> None:
    with TestClient(create_app(make_service(api_token=TOKEN, protect_reads=True))) as guarded:
        refused = guarded.get(path)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert guarded.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert guarded.get(path, headers=ADMIN).status_code == 200
        assert guarded.get("/healthz").status_code == 200


def test_protected_reads_without_a_token_fail_closed(make_service: ServiceFactory) -> None:
    with TestClient(create_app(make_service(protect_reads=True))) as guarded:
        assert guarded.get("/api/stats").status_code == 503


def test_login_cookie_opens_pages_but_not_admin(make_service: ServiceFactory) -> None:
    with TestClient(create_app(make_service(api_token=TOKEN, protect_reads=True))) as guarded:
        assert "Sign in" in guarded.get("/orphans").text
        assert guarded.post("/login", data={"token": "wrong"}).status_code == 401
        signed_in = guarded.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert signed_in.status_code == 303 and "httponly" in signed_in.headers["set-cookie"].lower()
        assert guarded.get("/orphans").status_code == 200
        assert guarded.post("/api/admin/integrity").status_code == 401  # a cookie is never an admin token


def test_openapi_lists_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert (
        {
            "/api/stats",
            "/api/orphans",
            "/api/orphans/unconfirmed",
            "/api/unclaimed",
            "/api/manifests/unknown",
            "/api/repos",
            "/api/repos/{owner}/{name}",
            "/api/repos/{host}/{path}",  # off GitHub: gitlab.com/group/sub/project
            "/api/packages",
            "/api/packages/published",
            "/api/packages/declared",
            "/api/trends",
            "/api/export/{table}",
            "/api/integrity",
            "/api/integrity/run",
            "/api/workers",
            "/api/doctor",
            "/metrics",
            "/healthz",
            *ADMIN_POSTS[:1],
            "/api/admin/repos/{owner}/{name}/recheck",
            "/api/admin/repos/{owner}/{name}/reprocess",
            "/api/admin/repos/{host}/{path}/recheck",
            "/api/admin/repos/{host}/{path}/reprocess",
            "/api/admin/integrity",
        }
        == set(paths)
    )
    assert set(paths["/api/admin/integrity"]) == {"post"}


def test_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_doctor_runs_at_most_every_few_minutes(client: TestClient, corpus_emulator: EmulatorServer) -> None:
    first = client.get("/api/doctor")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] in ("ok", "degraded", "failing") and body["checked_at"]
    checks = {(c["upstream"], c["check"]): c for c in body["checks"]}
    assert checks[("github", "reachable")]["status"] == "ok", checks
    assert checks[("ecosyste.ms", "bulk canary")]["status"] == "degraded"  # the deployed behaviour
    asked = sum(service["requests"] for service in corpus_emulator.stats().values())
    assert client.get("/api/doctor").json() == body, "the same run again"
    assert sum(service["requests"] for service in corpus_emulator.stats().values()) == asked
    page = client.get("/workers").text
    assert 'id="preflight"' in page and "bulk canary" in page


def test_csv_export_neutralises_formulas_unless_raw(client: TestClient, service: Service) -> None:
    with service.engine.begin() as connection:
        first = connection.execute(select(func.min(repo_distribution.c.id))).scalar_one()
        connection.execute(
            repo_distribution.update().where(repo_distribution.c.id == first).values(package_name="=1+1")
        )
    names = {
        r["package_name"] for r in csv.DictReader(io.StringIO(client.get("/api/export/distribution").text))
    }
    assert "'=1+1" in names and "=1+1" not in names
    raw = client.get("/api/export/distribution", params={"raw": "true"}).text
    assert "=1+1" in {r["package_name"] for r in csv.DictReader(io.StringIO(raw))}
