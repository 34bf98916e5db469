"""The dashboard's pages: each renders against the scanned corpus, links through, and escapes every value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from distscout.web.app import create_app
from tests.emulator.fixtures import EmulatorFactory
from tests.store.helpers import Clock, scan_due, tracked
from tests.web.conftest import TOKEN, ServiceFactory
from tests.web.hostile import ATTACKS, WORLD

PAGES = [
    "/",
    "/orphans",
    "/orphans/unconfirmed",
    "/unclaimed",
    "/manifests/unknown",
    "/repos",
    "/packages",
    "/integrity",
    "/workers",
    "/login",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<nav>" in page.text and "Traceback" not in page.text


def test_overview_counts_and_coverage_chart(client: TestClient) -> None:
    page = client.get("/").text
    assert 'data-stat="total"><span class="value">40<' in page
    assert '<svg class="chart"' in page and ">pypi<" in page


def test_orphans_link_to_repo_pages(client: TestClient) -> None:
    page = client.get("/orphans").text
    assert 'href="/repos/synthetic/legacy-setup"' in page and "legacy-widget" in page
    assert 'href="/orphans?verdict=taken"' in page and 'data-verdict="unregistered"' in page
    taken = client.get("/orphans", params={"verdict": "taken"}).text
    assert "pip-feedstock" in taken and "legacy-widget" not in taken
    repo = client.get("/repos/synthetic/legacy-setup").text
    assert "setup.py" in repo and "History" in repo and "complete" in repo


def test_repo_page_groups_rows_by_source(client: TestClient) -> None:
    page = client.get("/repos/pallets/flask").text
    assert "<h3>deps.dev</h3>" in page and "pyproject.toml" in page and 'class="timeline"' in page


def test_repo_page_pairs_manifests_with_registry_rows(client: TestClient) -> None:
    report = client.get("/api/repos/pallets/flask").json()
    root = next(m for m in report["manifests"] if m["manifest_path"] == "pyproject.toml")
    assert [(p["ecosystem"], p["normalized_name"]) for p in root["published_as"]] == [("pypi", "flask")]
    assert {"deps.dev", "ecosyste.ms"} <= set(root["published_as"][0]["sources"])
    conda = [r for r in report["distribution"] if r["ecosystem"] == "conda"]
    assert conda and all(r["manifests"] == [] for r in conda)  # flask's conda package: no manifest here
    page = client.get("/repos/pallets/flask").text
    assert re.search(r'<a href="/packages\?package=pypi%2Fflask">pypi/flask</a>', page, re.IGNORECASE)
    assert '<span class="unpaired">no manifest</span>' in page
    orphan = client.get("/repos/synthetic/legacy-setup").text
    assert '<span class="unpaired orphan">orphan</span>' in orphan


def test_search_page(client: TestClient) -> None:
    page = client.get("/packages", params={"package": "pypi/requests"}).text
    assert 'href="/repos/psf/requests"' in page
    bad = client.get("/packages", params={"package": "nonsense"})
    assert bad.status_code == 422 and "expected ecosystem/name" in bad.text


def test_workers_page_without_workers(client: TestClient) -> None:
    page = client.get("/workers").text
    assert 'id="no-workers"' in page and "No workers in this process" in page


def test_api_reference_is_served_here_not_from_a_cdn(make_service: ServiceFactory) -> None:
    """/docs lists every operation of the OpenAPI document, with no script from elsewhere, even when
    reads are protected (as /openapi.json)."""
    with TestClient(create_app(make_service(api_token=TOKEN, protect_reads=True))) as guarded:
        page = guarded.get("/docs")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    for path in ("/api/stats", "/api/repos/{owner}/{name}", "/api/admin/integrity", "/metrics"):
        assert f"<code>{path}</code>" in page.text
    assert "<code>package</code> (query, string, required)" in page.text
    assert "admin" in page.text and "reads" in page.text
    assert "http://" not in page.text and "https://" not in page.text, "nothing loaded from another host"


def test_page_errors_are_html(client: TestClient) -> None:
    missing = client.get("/repos/nobody/nothing")
    assert missing.status_code == 404 and "is not tracked" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    assert client.get("/repos/acme/.git").status_code == 422


async def test_hostile_names_are_escaped_everywhere(
    emulator_factory: EmulatorFactory, make_service: ServiceFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    engine = tracked(url, ["evil/xss"], Clock.real())
    await scan_due(engine, emulator_factory(WORLD), Clock.real())
    engine.dispose()
    with TestClient(create_app(make_service(url, api_token=TOKEN))) as hostile:
        report = hostile.get("/api/repos/evil/xss").json()
        stored = {r["package_name"] for r in report["distribution"]} | {
            m["package_name_declared"] for m in report["manifests"]
        }
        paths = {m["manifest_path"] for m in report["manifests"]}
        assert ATTACKS[0] in stored and ATTACKS[1] in stored, stored  # the attack really is in the data
        assert any(ATTACKS[2] in p for p in paths), paths
        for path in [*PAGES, "/repos/evil/xss", "/packages?package=npm/%3Cscript%3Ealert(1)%3C/script%3E"]:
            page = hostile.get(path).text
            for attack in ATTACKS:
                assert attack not in page, (path, attack)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile.get("/repos/evil/xss").text
