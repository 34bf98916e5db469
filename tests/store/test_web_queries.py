"""The reports the API, the dashboard and `stats --package` share: search by package, coverage by ecosystem,
the due-queue depth and the latest scans — on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from distscout.ecosystems import PackageRefError, parse_package_ref
from distscout.emulator.server import EmulatorServer
from distscout.integrity.repair import queue_rechecks
from distscout.repos import parse_repo_ref
from distscout.store.queries import coverage_by_ecosystem, due_count, package_search, recent_scans
from distscout.store.repos import add_repos
from tests.store.helpers import Clock, scan_due, tracked

REPOS = ["pallets/flask", "synthetic/legacy-setup", "conda-forge/requests-feedstock", "psf/requests"]
CADENCE = timedelta(days=180)


@pytest.fixture
async def scanned(database_url: str, corpus_emulator: EmulatorServer) -> tuple[Engine, Clock]:
    clock = Clock()
    engine = tracked(database_url, REPOS, clock)
    await scan_due(engine, corpus_emulator, clock)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref("acme/never-scanned")], clock())
    return engine, clock


def test_package_search_finds_publishers_and_declarations(scanned: tuple[Engine, Clock]) -> None:
    engine, _ = scanned
    with engine.connect() as connection:
        found = package_search(connection, "pypi", "Flask")
        nothing = package_search(connection, "pypi", "no-such-package")
    assert found["normalized_name"] == "flask"
    assert ("pallets/flask", "deps.dev", True) in {
        (r["repo"], r["source"], r["registry"]) for r in found["published_by"]
    }
    assert [(r["repo"], r["manifest_path"]) for r in found["declared_by"]] == [
        ("pallets/flask", "pyproject.toml")
    ]
    assert nothing["published_by"] == [] and nothing["declared_by"] == []


def test_package_search_says_when_it_cut_a_list(scanned: tuple[Engine, Clock]) -> None:
    engine, _ = scanned
    with engine.connect() as connection:
        whole = package_search(connection, "pypi", "Flask")
        cut = package_search(connection, "pypi", "Flask", limit=1)
    assert whole["published_total"] == len(whole["published_by"]) > 1 and whole["truncated"] is False
    assert cut["published_by"] == whole["published_by"][:1] and cut["truncated"] is True
    assert cut["published_total"] == whole["published_total"] and cut["declared_total"] == 1


def test_coverage_counts_declared_and_published_per_ecosystem(scanned: tuple[Engine, Clock]) -> None:
    engine, _ = scanned
    with engine.connect() as connection:
        coverage = {row["ecosystem"]: row for row in coverage_by_ecosystem(connection)}
    # flask and requests are on PyPI; legacy-widget (synthetic/legacy-setup) is an orphan.
    assert coverage["pypi"] == {"ecosystem": "pypi", "declared": 3, "published": 2}
    assert coverage["conda"]["published"] < coverage["conda"]["declared"]


def test_due_count_is_the_claim_queue(scanned: tuple[Engine, Clock]) -> None:
    engine, clock = scanned
    with engine.connect() as connection:
        assert due_count(connection, clock(), CADENCE, partial_first=True) == 1  # never scanned
    assert queue_rechecks(engine, ["pallets/flask"]) == ["pallets/flask"]
    with engine.connect() as connection:
        assert due_count(connection, clock(), CADENCE, partial_first=True) == 2
        assert due_count(connection, clock() + CADENCE * 2, CADENCE, partial_first=True) == 5


def test_recent_scans_newest_first(scanned: tuple[Engine, Clock]) -> None:
    engine, _ = scanned
    with engine.connect() as connection:
        scans = recent_scans(connection, limit=3)
    assert len(scans) == 3
    assert all(s["verdict"] == "complete" and s["outcomes"] for s in scans)
    assert [s["finished_at"] for s in scans] == sorted((s["finished_at"] for s in scans), reverse=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pypi/requests", ("pypi", "requests")),
        ("npm/@scope/pkg", ("npm", "@scope/pkg")),
        (" PyPI/x ", ("pypi", "x")),
    ],
)
def test_package_refs(text: str, expected: tuple[str, str]) -> None:
    assert parse_package_ref(text) == expected


@pytest.mark.parametrize("bad", ["", "requests", "pypi/", "/requests", "py pi/x", "<b>/x", "a/" + "x" * 500])
def test_bad_package_refs(bad: str) -> None:
    with pytest.raises(PackageRefError):
        parse_package_ref(bad)


def test_rechecks_find_the_repository_by_its_key(scanned: tuple[Engine, Clock]) -> None:
    # Owner and name match as the forge matches them, case aside; a name that is no repository matches none.
    engine, clock = scanned
    assert queue_rechecks(engine, ["PALLETS/Flask", "not a repo", "nobody/nothing"]) == ["PALLETS/Flask"]
    with engine.connect() as connection:
        assert due_count(connection, clock(), CADENCE, partial_first=True) == 2
