"""`distscout demo` end to end: the outage is ridden out, and the findings are the answer key's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from distscout.cli import app
from distscout.demo import DEMO_EXPECTED
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, orphans, orphans_query, unclaimed
from distscout.store.schema import repo_distribution_manifest


def test_demo_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    target = tmp_path / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--database-file", str(target)])
    assert result.exit_code == 0, result.output
    assert "re-claimed first" in result.stdout and "orphan manifests" in result.stdout
    expected = json.loads(DEMO_EXPECTED.read_text())["repos"]
    engine = open_engine(f"sqlite:///{target}")
    with engine.connect() as connection:
        stats = fleet_stats(connection)
        found_orphans = {o["repo"] for o in orphans(connection)}
        verdicts = {
            (row.repo, row.manifest_path): row.verdict
            for row in connection.execute(
                orphans_query().where(repo_distribution_manifest.c.verdict.is_not(None))
            )
        }
        found_unclaimed = {u["repo"] for u in unclaimed(connection)}
    # as reports name them: owner/name on GitHub, host/path elsewhere
    slug = {url: url.removeprefix("https://github.com/").removeprefix("https://") for url in expected}
    # the name lookup's verdicts, as the answer key gives them; linked and unlinked names are not orphans
    wanted = {
        (slug[url], path): manifest["verdict"]
        for url, repo in expected.items()
        for path, manifest in repo["manifests"].items()
        if "verdict" in manifest
    }
    assert verdicts == {key: v for key, v in wanted.items() if v in ("unregistered", "taken")}
    assert found_orphans == {
        repo for (repo, _), v in wanted.items() if v in ("unregistered", "taken", "unknown")
    }
    assert (stats.names_linked, stats.names_unlinked) == (1, 1)
    assert found_unclaimed == {slug[u] for u, r in expected.items() if r["unclaimed"]}
    assert (stats.total, stats.scanned, stats.partial, stats.failing) == (34, 34, 0, 0)
    # The pre-flight it shows: every line ok but one, degraded with its fix — ecosyste.ms' bulk lookup as
    # deployed, which the canary catches.
    assert "distscout doctor" in result.stdout and "bulk canary" in result.stdout
    preflight = result.stdout.split("(distscout doctor):", 1)[1]
    assert "doctor: degraded" in preflight and "single lookups" in preflight
    assert "gitlab" in preflight, "the fleet has gitlab.com projects: GitLab is checked too"
    assert preflight.count("degraded") == 2, "the title and the one degraded line"


def test_demo_reports_an_unusable_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(app, ["demo", "--database-file", str(blocker / "demo.db")])
    assert result.exit_code == 1 and "cannot create" in result.stderr
