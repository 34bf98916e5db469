"""The README's offline tour as a newcomer takes it: the demo world, GitHub's anonymous budget, no token.

Before scanning, `scan` says the budget is 60 requests an hour and how to set a token; at the end it says
GitHub's budget was spent, until when, and again how to set a token; it exits 3 (some scans partial); and
`stats` reports the repositories whose manifest walk never answered as "manifests unknown" — never as
unclaimed — while every finding it does report is one the same world scanned with a token also has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina

from distscout.demo import DEMO_WORLD
from distscout.emulator.server import EmulatorServer
from distscout.emulator.world import load_world
from tests.cli.helpers import run
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import TEST_TOKEN


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


def _tour(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, database: Path, token: str | None
) -> tuple[str, dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """`repos import`, `scan`, `stats`: the scan's stderr, the rollup, the unclaimed and the orphans."""
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{database}")
    for service in ("depsdev", "ecosystems"):
        monkeypatch.setenv(f"DISTSCOUT_{service.upper()}_URL", server.url_for(service))
    monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", server.url_for("github"))
    monkeypatch.setenv("DISTSCOUT_GITLAB_API_URL", server.url_for("gitlab") + "/api/v4")
    for name in ("GITHUB_TOKEN", "DISTSCOUT_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    if token is not None:
        monkeypatch.setenv("GITHUB_TOKEN", token)
    fleet = "\n".join(repo.url for repo in load_world(DEMO_WORLD).repos)
    run(["repos", "import", "-"], stdin=fleet)
    scanned = run(["scan"], code=3 if token is None else 0)
    rollup = json.loads(run(["stats", "--json"]).stdout)
    unclaimed = json.loads(run(["stats", "--unclaimed", "--json"]).stdout)
    orphans = json.loads(run(["stats", "--orphans", "--json"]).stdout)
    return scanned.stderr, rollup, unclaimed, orphans


def test_the_tour_without_a_token_reports_manifests_unknown_not_unclaimed(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    truth = _tour(monkeypatch, emulator_factory(DEMO_WORLD), tmp_path / "token.db", TEST_TOKEN)
    stderr, rollup, unclaimed, orphans = _tour(
        monkeypatch, emulator_factory(DEMO_WORLD), tmp_path / "anonymous.db", None
    )

    assert "no GitHub token: 60 requests an hour" in stderr and "set GITHUB_TOKEN" in stderr
    blocked = [line for line in stderr.splitlines() if line.startswith("blocked: github: budget spent until")]
    assert blocked, stderr
    assert "or set GITHUB_TOKEN (60 requests an hour without one" in blocked[0]
    assert rollup["partial"] > 0, "the anonymous budget runs out during the scan"
    assert rollup["manifests_unknown"] > 0
    assert rollup["manifests_unknown"] + rollup["with_manifest"] <= rollup["scanned"]
    _, true_rollup, true_unclaimed, true_orphans = truth
    assert true_rollup["manifests_unknown"] == 0 and true_rollup["partial"] == 0
    assert true_unclaimed and true_orphans, "the demo world has both kinds of finding"
    assert all(row in true_unclaimed for row in unclaimed), "an unclaimed package the world does not have"
    # (an orphan row also carries when each registry last answered: the two runs' times differ)
    assert {_finding(row) for row in orphans} <= {_finding(row) for row in true_orphans}, (
        "an orphan the world does not have"
    )
    assert rollup["unclaimed"] <= true_rollup["unclaimed"] and rollup["orphans"] <= true_rollup["orphans"]


def _finding(row: dict[str, Any]) -> tuple[str, str, str]:
    return row["repo"], row["manifest_path"], row["package_name_declared"]
