"""`distscout stats`: the fleet rollup, orphans, unclaimed packages and one repo's drill-down."""

from __future__ import annotations

import json

import pytest

from distscout.repos import parse_repo_ref
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, repo_report, unclaimed
from tests.cli.helpers import one_error_line, run, snapshot, track

# In the report's order: the free name first (unregistered), then the taken ones — a feedstock's recipe
# names the conda package, which conda-forge links to the upstream project, not to the feedstock.
CORPUS_ORPHANS = [
    ("synthetic/legacy-setup", "setup.py", "pypi", "legacy-widget"),
    ("conda-forge/pip-feedstock", "recipe/meta.yaml", "conda", "pip"),
    ("conda-forge/requests-feedstock", "recipe/recipe.yaml", "conda", "requests"),
]
CORPUS_VERDICTS = ["unregistered", "taken", "taken"]


def test_stats_json_matches_the_store(corpus_db: str) -> None:
    shown = json.loads(run(["stats", "--json"]).stdout)
    engine = open_engine(corpus_db)
    try:
        with engine.connect() as connection:
            direct = fleet_stats(connection).as_dict()
    finally:
        engine.dispose()
    assert shown == direct
    assert {"total", "scanned", "with_registry", "with_manifest", "orphans"} <= set(shown)
    assert shown["total"] == shown["scanned"] == 40
    assert shown["orphans"] == 3


def test_stats_table(corpus_db: str) -> None:
    human = run(["stats"]).stdout
    assert "tracked repositories" in human and "40" in human and "with an orphan manifest" in human


def test_stats_of_an_empty_fleet(db_url: str) -> None:
    shown = json.loads(run(["stats", "--json"]).stdout)
    assert shown["total"] == 0 and set(shown.values()) == {0}
    assert json.loads(run(["stats", "--orphans", "--json"]).stdout) == []


def test_orphans_of_the_corpus(corpus_db: str) -> None:
    rows = json.loads(run(["stats", "--orphans", "--json"]).stdout)
    assert [
        (r["repo"], r["manifest_path"], r["manifest_type"], r["package_name_declared"]) for r in rows
    ] == CORPUS_ORPHANS
    assert [r["verdict"] for r in rows] == CORPUS_VERDICTS
    assert (
        rows[1]["linked_repository"]
        and rows[1]["linked_repository"] != "github.com/conda-forge/pip-feedstock"
    )
    human = run(["stats", "--orphans"]).stdout
    assert "3 orphan manifests" in human and "unregistered" in human and "taken" in human
    for repo, path, _, name in CORPUS_ORPHANS:
        assert repo in human and path in human and name in human


def test_orphans_by_verdict(corpus_db: str) -> None:
    taken = json.loads(run(["stats", "--orphans", "--verdict", "taken", "--json"]).stdout)
    assert [r["repo"] for r in taken] == [repo for repo, *_ in CORPUS_ORPHANS[1:]]
    assert json.loads(run(["stats", "--verdict", "linked", "--json"]).stdout) == []
    assert (
        "1 manifest with verdict unregistered"
        in run(["stats", "--orphans", "--verdict", "unregistered"]).stdout
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["stats", "--orphans", "--verdict", "bogus"], "--verdict: 'bogus' is not one of unregistered"),
        (["stats", "--unclaimed", "--verdict", "taken"], "--verdict goes with --orphans, not --unclaimed"),
    ],
)
def test_a_bad_verdict_is_one_clear_line(corpus_db: str, argv: list[str], message: str) -> None:
    one_error_line(run(argv, code=2), message)


def test_unclaimed_matches_the_store(corpus_db: str) -> None:
    rows = json.loads(run(["stats", "--unclaimed", "--json"]).stdout)
    engine = open_engine(corpus_db)
    try:
        with engine.connect() as connection:
            assert rows == unclaimed(connection)
    finally:
        engine.dispose()
    assert "unclaimed packages" in run(["stats", "--unclaimed"]).stdout


@pytest.mark.parametrize("spelling", ["pallets/flask", "https://github.com/Pallets/Flask"])
def test_repo_drill_down(corpus_db: str, spelling: str) -> None:
    shown = json.loads(run(["stats", "--repo", spelling, "--json"]).stdout)
    engine = open_engine(corpus_db)
    try:
        with engine.connect() as connection:
            direct = repo_report(connection, parse_repo_ref("pallets/flask"))
    finally:
        engine.dispose()
    assert shown == json.loads(json.dumps(direct, default=str))
    assert shown["repo"] == "pallets/flask"
    assert {(r["ecosystem"], r["package_name"], r["source"]) for r in shown["distribution"]} >= {
        ("pypi", "flask", "deps.dev")
    }
    assert "pyproject.toml" in {m["manifest_path"] for m in shown["manifests"]}
    assert shown["state"]["scan_complete"] is True and shown["state"]["failed_attempts"] == 0
    assert shown["history"]["scans"] and shown["history"]["scans"][0]["verdict"] == "complete"


def test_repo_drill_down_table(corpus_db: str) -> None:
    human = run(["stats", "--repo", "synthetic/legacy-setup"]).stdout
    assert "synthetic/legacy-setup" in human and "(complete)" in human
    assert "setup.py" in human and "legacy-widget" in human and "history" in human


def test_repo_never_scanned(db_url: str) -> None:
    track(db_url, "acme/widget")
    shown = json.loads(run(["stats", "--repo", "acme/widget", "--json"]).stdout)
    assert shown["distribution"] == [] and shown["manifests"] == []
    assert shown["state"]["last_run"] is None
    assert "never scanned" in run(["stats", "--repo", "acme/widget"]).stdout


def test_untracked_repo(corpus_db: str) -> None:
    before = snapshot(corpus_db)
    one_error_line(run(["stats", "--repo", "nobody/nothing"], code=1), "nobody/nothing is not tracked")
    one_error_line(run(["stats", "--repo", "nobody/nothing", "--json"], code=1), "not tracked")
    assert snapshot(corpus_db) == before


@pytest.mark.parametrize(
    ("bad", "says"),
    [("flask", "expected owner/name"), ("https://bitbucket.org/a/b", "not a known forge")],
)
def test_malformed_repo(db_url: str, bad: str, says: str) -> None:
    one_error_line(run(["stats", "--repo", bad], code=2), "--repo", says)


def test_repo_with_credentials(db_url: str) -> None:
    line = one_error_line(
        run(["stats", "--repo", "https://x:topsecret99@github.com/a/b"], code=2), "credentials"
    )
    assert "topsecret99" not in line


@pytest.mark.parametrize(
    "flags", [["--orphans", "--unclaimed"], ["--orphans", "--repo", "a/b"], ["--unclaimed", "--repo", "a/b"]]
)
def test_one_view_at_a_time(db_url: str, flags: list[str]) -> None:
    one_error_line(run(["stats", *flags], code=2), "choose one of")


def test_package_search_json_and_table(corpus_db: str) -> None:
    found = json.loads(run(["stats", "--package", "pypi/requests", "--json"]).stdout)
    assert "psf/requests" in {r["repo"] for r in found["published_by"]}
    assert ("psf/requests", "pyproject.toml") in {
        (r["repo"], r["manifest_path"]) for r in found["declared_by"]
    }
    human = run(["stats", "--package", "pypi/requests"]).stdout
    # one repository, seen by two sources: counted once (issue #19)
    published = {r["repo"] for r in found["published_by"]}
    rows = len(found["published_by"])
    repos = f"{len(published)} repo{'s' if len(published) != 1 else ''} publishing pypi/requests"
    assert repos in human and "psf/requests" in human
    assert (f"({rows} rows)" in human) == (rows != len(published))
    assert "1 manifest declaring pypi/requests" in human


@pytest.mark.parametrize("bad", ["requests", "pypi/", "<b>/x"])
def test_package_search_bad_reference(db_url: str, bad: str) -> None:
    one_error_line(run(["stats", "--package", bad], code=2), "--package")


def test_package_and_repo_are_exclusive(db_url: str) -> None:
    one_error_line(run(["stats", "--package", "pypi/x", "--repo", "a/b"], code=2), "--repo, --package")
