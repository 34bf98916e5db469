"""`distscout repos add` with GitLab: project URLs (subgroups, page tails, a self-hosted base), `--group`,
and `--check` against GitLab."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import one_error_line, run, snapshot
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.gitlab_world import gitlab_world


@pytest.fixture
def gitlab_env(emulator_factory: EmulatorFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    server = emulator_factory(gitlab_world())
    base = server.url_for("gitlab")
    monkeypatch.setenv("DISTSCOUT_GITLAB_API_URL", base + "/api/v4")
    monkeypatch.setenv("DISTSCOUT_GITLAB_INSTANCES", json.dumps([base]))
    monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", server.url_for("github"))
    return base


def test_add_gitlab_urls(db_url: str, gitlab_env: str) -> None:
    urls = [
        "https://gitlab.com/acme/tools/widget/-/tree/main",
        "gitlab.com/acme/empty.git",
        gitlab_env + "/acme/big",  # the self-hosted instance, path prefix and all
        "acme/widget",
    ]
    result = run(["repos", "add", *urls, "--no-check", "--json"])
    self_hosted = gitlab_env.removeprefix("http://") + "/acme/big"
    assert json.loads(result.stdout)["added"] == [
        "gitlab.com/acme/tools/widget",
        "gitlab.com/acme/empty",
        self_hosted,
        "acme/widget",
    ]
    listed = [r["repo"] for r in json.loads(run(["repos", "list", "--json"]).stdout)]
    assert sorted(listed) == sorted(
        ["gitlab.com/acme/tools/widget", "gitlab.com/acme/empty", self_hosted, "acme/widget"]
    )


def test_add_a_gitlab_group_with_its_subgroups(db_url: str, gitlab_env: str) -> None:
    answer = json.loads(run(["repos", "add", "--group", "https://gitlab.com/acme", "--json"]).stdout)
    assert sorted(answer["added"]) == [
        "gitlab.com/acme/big",
        "gitlab.com/acme/empty",
        "gitlab.com/acme/frozen",
        "gitlab.com/acme/tools/widget",  # a subgroup's project
    ]
    assert (answer["already_tracked"], answer["archived"]) == ([], ["gitlab.com/acme/frozen"])
    again = run(["repos", "add", "--group", "acme/tools"]).stdout
    assert "added 0, already tracked 1" in again
    one_error_line(run(["repos", "add", "--group", "nobody"], code=1), "group 'nobody' not found", "nothing")
    one_error_line(
        run(["repos", "add", "--group", "https://bitbucket.org/x"], code=2), "--group", "known GitLab"
    )
    hostile = one_error_line(run(["repos", "add", "--group", "https://bob:s3cret@gitlab.com/acme"], code=2))
    assert "credentials" in hostile and "s3cret" not in hostile


def test_check_asks_gitlab_and_refuses_a_missing_project(db_url: str, gitlab_env: str) -> None:
    before = snapshot(db_url)
    missing = run(["repos", "add", "https://gitlab.com/acme/nope", "--check"], code=1)
    one_error_line(missing, "gitlab.com/acme/nope: GitLab answers 404", "nothing was added")
    assert snapshot(db_url) == before
    renamed = run(["repos", "add", "https://gitlab.com/acme/old-widget", "--check", "--json"])
    (checked,) = json.loads(renamed.stdout)["checked"]
    assert checked == {
        "repo": "gitlab.com/acme/old-widget",
        "state": "renamed",
        "detail": "gitlab.com/acme/tools/widget",
    }
