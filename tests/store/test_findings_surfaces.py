"""Unconfirmed orphans and manifests unknown are shown apart on every surface: the API, the exports and
`stats`, with the sources waited on and the registry packages that wait for a manifest walk."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina
from fastapi.testclient import TestClient

from distscout.config import load_settings
from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.engine import open_engine
from distscout.store.exports import EXPORT_TABLES, csv_text, export_chunks, jsonl_text
from distscout.store.repos import add_repos
from distscout.web.app import create_app
from distscout.web.service import Service
from distscout.worker.runner import utc_now
from tests.cli.helpers import run
from tests.emulator.fixtures import EmulatorFactory
from tests.store.test_findings_need_evidence import GITHUB_SPENT, scan_all

# Two repositories: one whose manifest walk GitHub's spent budget keeps from answering (registry rows, no
# manifest read), one whose orphan ecosyste.ms leaves unconfirmed (GitHub answers for it).
WORLD = {
    "format": 1,
    "repos": [
        {
            "url": "https://github.com/acme/lonely",
            "files": {"package.json": '{"name": "lonely"}'},
        },
        {
            "url": "https://github.com/acme/published",
            "files": {"package.json": '{"name": "published"}'},
        },
    ],
    "packages": [
        {
            "ecosystem": "npm",
            "name": "published",
            "repository_url": "https://github.com/acme/published",
            "versions": [{"version": "1.0.0", "published_at": "2025-01-10T09:30:12Z"}],
        }
    ],
}


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite database that the CLI commands of the test use (DISTSCOUT_DATABASE_URL)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables are not folded
    return url


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


def _export(url: str, table: str, text_format: str = "csv") -> str:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            query = EXPORT_TABLES[table]()
            chunks = export_chunks(connection, query)
            if text_format == "csv":
                return "".join(csv_text(chunks, [c.name for c in query.selected_columns]))
            return "".join(jsonl_text(chunks))
    finally:
        engine.dispose()


async def scan_unconfirmed_and_unknown(url: str, emulator_factory: EmulatorFactory) -> EmulatorServer:
    """Scan WORLD so that acme/lonely has an unconfirmed orphan and acme/published manifests unknown."""
    engine = open_engine(url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref("acme/lonely")], utc_now())
    server = emulator_factory(WORLD, {"ecosystems": {"error_rate": 1.0}})
    assert await scan_all(server, url) == ["partial"]  # lonely: orphan, unconfirmed (ecosyste.ms silent)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref("acme/published")], utc_now())
    server.set_faults({**GITHUB_SPENT, "ecosystems": {"error_rate": 1.0}})
    await scan_all(server, url, at_days=365)  # published: registry rows, the walk never answers
    engine.dispose()
    return server


async def test_every_surface_shows_unconfirmed_and_unknown_apart(
    database_url: str, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    await scan_unconfirmed_and_unknown(database_url, emulator_factory)

    unconfirmed = list(csv.DictReader(io.StringIO(_export(database_url, "orphans_unconfirmed"))))
    assert [(r["repo"], r["package_name_declared"], r["waiting_on"]) for r in unconfirmed] == [
        ("acme/lonely", "lonely", "ecosyste.ms")
    ]
    assert list(csv.DictReader(io.StringIO(_export(database_url, "orphans")))) == []
    unknown = [json.loads(line) for line in _export(database_url, "manifests_unknown", "jsonl").splitlines()]
    assert [(r["repo"], r["registry_packages"]) for r in unknown] == [("acme/published", 1)]
    assert _export(database_url, "unclaimed").splitlines()[1:] == []  # a header, no rows
    states = {r["repo"]: r["manifests"] for r in csv.DictReader(io.StringIO(_export(database_url, "repos")))}
    assert states == {"acme/lonely": "found", "acme/published": "unknown"}

    settings = load_settings(
        database_url=database_url, output_dir=tmp_path / "out", allowed_hosts=("testserver",)
    )
    engine = open_engine(database_url)
    try:
        with TestClient(create_app(Service(engine, settings))) as client:
            waiting = client.get("/api/orphans/unconfirmed").json()["items"]
            assert [(r["repo"], r["waiting_on"]) for r in waiting] == [("acme/lonely", ["ecosyste.ms"])]
            assert client.get("/api/orphans/unconfirmed", params={"ecosystem": "pypi"}).json()["items"] == []
            assert client.get("/api/orphans").json()["total"] == 0
            listed = client.get("/api/manifests/unknown").json()["items"]
            assert [(r["repo"], r["registry_packages"]) for r in listed] == [("acme/published", 1)]
            assert client.get("/api/unclaimed").json()["total"] == 0
            body = client.get("/api/export/orphans_unconfirmed", params={"format": "jsonl"}).text
            assert json.loads(body)["waiting_on"] == "ecosyste.ms"
            page = client.get("/unclaimed").text
            assert 'id="unknown"' in page and "acme/published" in page
            assert 'href="/manifests/unknown" data-list="unknown"' in page
            published = client.get("/repos/acme/published").text  # a registry row, no walk answered
            assert (
                '<span class="unpaired">manifests unknown</span>' in published
                and "no manifest" not in published
            )
            assert client.get("/api/repos/acme/published").json()["manifests_state"] == "unknown"
            unknown_page = client.get("/manifests/unknown", params={"sort": "registry_packages"}).text
            assert "showing 1 of 1 repositories" in unknown_page and "acme/published" in unknown_page
            waiting_page = client.get("/orphans/unconfirmed", params={"q": "LONELY"}).text
            assert "showing 1 of 1 manifests" in waiting_page and "ecosyste.ms" in waiting_page
            assert "No unconfirmed orphan matches" in client.get("/orphans/unconfirmed?ecosystem=pypi").text
            assert 'href="/orphans/unconfirmed" data-list="unconfirmed"' in client.get("/orphans").text
    finally:
        engine.dispose()


async def test_stats_lists_unconfirmed_and_unknown(db_url: str, emulator_factory: EmulatorFactory) -> None:
    await scan_unconfirmed_and_unknown(db_url, emulator_factory)
    rows = json.loads(run(["stats", "--unconfirmed", "--json"]).stdout)
    assert [(r["repo"], r["waiting_on"]) for r in rows] == [("acme/lonely", ["ecosyste.ms"])]
    assert "ecosyste.ms" in run(["stats", "--unconfirmed"]).stdout
    rows = json.loads(run(["stats", "--manifests-unknown", "--json"]).stdout)
    assert [(r["repo"], r["registry_packages"]) for r in rows] == [("acme/published", 1)]
    assert "acme/published" in run(["stats", "--manifests-unknown"]).stdout
    assert "choose one of" in run(["stats", "--unconfirmed", "--orphans"], code=2).stderr
    written = run(["export", "--table", "manifests_unknown", "--format", "csv"]).stdout
    assert written.splitlines()[0].startswith("repo,registry_packages")
