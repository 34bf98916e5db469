"""`repos add --check`: a repository GitHub answers 404 for is caught at once, not at its first scan."""

from __future__ import annotations

import json
from typing import Any

import pytest
import stamina

from distscout.commands import repos as repos_command
from distscout.emulator.server import EmulatorServer
from tests.cli.helpers import one_error_line, run, snapshot
from tests.emulator.fixtures import EmulatorFactory

WORLD: dict[str, Any] = {
    "format": 1,
    "repos": [
        {"url": "https://github.com/acme/widget"},
        {"url": "https://github.com/acme/gizmo", "renamed_from": ["https://github.com/acme/old-gizmo"]},
    ],
    "packages": [],
}


@pytest.fixture
def github(emulator_factory: EmulatorFactory, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    server = emulator_factory(WORLD)
    monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", server.url_for("github"))
    return server


def _asked(server: EmulatorServer) -> int:
    return int(server.stats()["github"]["requests"])


def test_a_missing_repository_is_refused_and_nothing_added(db_url: str, github: EmulatorServer) -> None:
    result = run(["repos", "add", "--check", "acme/widget", "acme/widgte"], code=1)
    one_error_line(result, "acme/widgte: GitHub answers 404", "nothing was added", "--no-check")
    assert snapshot(db_url)["repos"] == 0


def test_existing_and_renamed_repositories_are_added(db_url: str, github: EmulatorServer) -> None:
    result = run(["repos", "add", "--check", "acme/widget", "acme/old-gizmo", "--json"])
    body = json.loads(result.stdout)
    assert body["added"] == ["acme/widget", "acme/old-gizmo"]
    assert body["checked"] == [
        {"repo": "acme/widget", "state": "exists", "detail": ""},
        {"repo": "acme/old-gizmo", "state": "renamed", "detail": "acme/gizmo"},
    ]
    assert "acme/old-gizmo is now acme/gizmo on GitHub" in result.stderr


def test_no_check_asks_nothing_and_adds(db_url: str, github: EmulatorServer) -> None:
    before = _asked(github)
    body = json.loads(run(["repos", "add", "--no-check", "acme/widgte", "--json"]).stdout)
    assert body == {"added": ["acme/widgte"], "already_tracked": []}
    assert _asked(github) == before


def test_the_default_checks_only_at_a_terminal(
    db_url: str, github: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _asked(github)
    run(["repos", "add", "acme/widgte"])  # a script or a pipe: no check
    assert _asked(github) == before
    monkeypatch.setattr(repos_command, "_checking", lambda check: check is not False)  # a terminal
    one_error_line(run(["repos", "add", "acme/nope"], code=1), "acme/nope: GitHub answers 404")
    assert _asked(github) == before + 1


def test_import_checks_only_when_asked(db_url: str, github: EmulatorServer) -> None:
    before = _asked(github)
    run(["repos", "import", "-"], stdin="acme/widget\nacme/typo\n")
    assert _asked(github) == before
    result = run(["repos", "import", "--check", "-"], stdin="acme/gizmo\nacme/other-typo\n", code=1)
    one_error_line(result, "acme/other-typo: GitHub answers 404", "nothing was added")
    assert [r["repo"] for r in json.loads(run(["repos", "list", "--json"]).stdout)] == [
        "acme/widget",
        "acme/typo",
    ]


def test_an_unreachable_github_adds_unchecked(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", "http://127.0.0.1:1")
    with stamina.set_testing(True, attempts=1):
        result = run(["repos", "add", "--check", "acme/widget", "--json"])
    assert json.loads(result.stdout)["checked"][0]["state"] == "unchecked"
    assert "could not ask GitHub" in result.stderr and "tracked unchecked" in result.stderr
