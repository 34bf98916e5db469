"""`distscout repos add | import | list`: tracking repositories, all or nothing."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

from distscout.http import UpstreamClient, UpstreamConfig
from distscout.sources.github_org import OrgListingError, list_org_repos, parse_org
from distscout.store.claims import claim_next
from distscout.store.engine import open_engine
from distscout.worker.runner import utc_now
from tests.cli.helpers import one_error_line, run, snapshot, track
from tests.emulator.fixtures import EmulatorFactory


def _names(result_stdout: str, key: str) -> list[str]:
    return list(json.loads(result_stdout)[key])


def test_add_urls_and_owner_names(db_url: str) -> None:
    result = run(["repos", "add", "acme/widget", "https://github.com/acme/gadget.git", "--json"])
    assert json.loads(result.stdout) == {"added": ["acme/widget", "acme/gadget"], "already_tracked": []}
    again = run(["repos", "add", "github.com/ACME/Widget", "acme/new", "acme/new", "--json"])
    assert json.loads(again.stdout) == {"added": ["acme/new"], "already_tracked": ["ACME/Widget", "acme/new"]}
    human = run(["repos", "add", "acme/widget"])
    assert "added 0, already tracked 1" in human.stdout
    assert snapshot(db_url)["repos"] == 3


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("not-a-repo", "expected owner/name"),
        ("https://bitbucket.org/acme/widget", "not a known forge"),
        ("https://gitlab.com/acme", "expected group/project"),
        ("ftp://github.com/acme/widget", "unsupported scheme"),
        ("acme/wid get", "not a valid owner/name"),
    ],
)
def test_add_refuses_everything_when_one_is_bad(db_url: str, bad: str, says: str) -> None:
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    result = run(["repos", "add", "acme/widget", bad, "acme/other"], code=2)
    one_error_line(result, bad, says, "nothing was added")
    assert snapshot(db_url) == before


def test_add_refuses_credentials_and_never_prints_them(db_url: str) -> None:
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    result = run(["repos", "add", "acme/widget", "https://bob:hunter2secret@github.com/acme/x"], code=2)
    line = one_error_line(result, "credentials", "nothing was added")
    assert "hunter2secret" not in line
    assert snapshot(db_url) == before


def test_add_reports_every_bad_argument_count(db_url: str) -> None:
    result = run(["repos", "add", "x", "y", "z"], code=2)
    one_error_line(result, "x: expected owner/name", "(and 2 more)")


def test_add_without_arguments_is_a_usage_error(db_url: str) -> None:
    one_error_line(run(["repos", "add"], code=2), "--org")


def test_import_file(db_url: str, tmp_path: Path) -> None:
    listing = tmp_path / "fleet.txt"
    listing.write_text(
        "# our fleet\n\nacme/widget\n  https://github.com/acme/gadget   # the gadget\nacme/widget\n",
        encoding="utf-8",
    )
    result = run(["repos", "import", str(listing), "--json"])
    assert json.loads(result.stdout) == {
        "added": ["acme/widget", "acme/gadget"],
        "already_tracked": ["acme/widget"],
    }
    assert "added 0, already tracked 3" in run(["repos", "import", str(listing)]).stdout


def test_import_stdin(db_url: str) -> None:
    result = run(["repos", "import", "-", "--json"], stdin="acme/one\n# skip\nacme/two\n")
    assert _names(result.stdout, "added") == ["acme/one", "acme/two"]


def test_import_bad_line_names_the_line_and_adds_nothing(db_url: str, tmp_path: Path) -> None:
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    listing = tmp_path / "fleet.txt"
    listing.write_text("acme/widget\n# comment\n\nhttps://u:pw123456@github.com/a/b\nacme/ok\n")
    line = one_error_line(run(["repos", "import", str(listing)], code=2), "line 4", "nothing was added")
    assert "pw123456" not in line
    assert snapshot(db_url) == before


def test_import_bad_line_on_stdin(db_url: str) -> None:
    one_error_line(run(["repos", "import", "-"], code=2, stdin="acme/a\nbogus\n"), "stdin, line 2")


@pytest.mark.parametrize("kind", ["missing", "directory", "binary"])
def test_import_unreadable_file(db_url: str, tmp_path: Path, kind: str) -> None:
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    target = tmp_path / "fleet.txt"
    if kind == "directory":
        target.mkdir()
    elif kind == "binary":
        target.write_bytes(b"acme/a\n\xff\xfe\x00garbage\n")
    one_error_line(run(["repos", "import", str(target)], code=2), "cannot read", str(target))
    assert snapshot(db_url) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_import_permission_denied(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "fleet.txt"
    target.write_text("acme/a\n")
    target.chmod(0)
    one_error_line(run(["repos", "import", str(target)], code=2), "cannot read", "ermission denied")


def test_list(db_url: str) -> None:
    assert json.loads(run(["repos", "list", "--json"]).stdout) == []
    track(db_url, "acme/one", "acme/two", "acme/three")
    rows = json.loads(run(["repos", "list", "--json"]).stdout)
    assert [r["repo"] for r in rows] == ["acme/one", "acme/two", "acme/three"]
    assert rows[0] == {
        "repo": "acme/one",
        "url": "https://github.com/acme/one",
        "archived": False,
        "last_run": None,
        "scan": "never",
        "scan_complete": None,
        "failed_attempts": 0,
        "last_error": None,
    }
    limited = json.loads(run(["repos", "list", "--json", "--limit", "2"]).stdout)
    assert [r["repo"] for r in limited] == ["acme/one", "acme/two"]
    human = run(["repos", "list"]).stdout
    assert "3 tracked repositories" in human and "acme/three" in human and "never" in human


def test_list_after_a_scan(corpus_db: str) -> None:
    rows = {r["repo"]: r for r in json.loads(run(["repos", "list", "--json"]).stdout)}
    assert len(rows) == 40
    assert all(r["scan"] == "complete" and r["last_run"] for r in rows.values())
    assert sum(r["archived"] for r in rows.values()) == 2
    human = run(["repos", "list", "--limit", "3"]).stdout
    assert "complete" in human and "(first 3)" in human


def test_list_limit_must_be_positive(db_url: str) -> None:
    run(["repos", "list", "--limit", "0"], code=2)


# -- repos add --org -----------------------------------------------------------------------------------------


def _org_world(count: int = 3, archived: tuple[int, ...] = (1,)) -> dict[str, Any]:
    repos = [
        {"url": f"https://github.com/acme/repo-{i:03d}", "archived": i in archived} for i in range(count)
    ]
    repos += [
        {"url": "https://github.com/other/thing"},
        {"url": "https://github.com/alice/personal", "owner_type": "User"},
    ]
    return {"format": 1, "repos": repos, "packages": []}


@pytest.fixture
def org_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    def point(server: Any) -> None:
        monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", server.url_for("github"))

    return point


def test_add_org(db_url: str, emulator_factory: EmulatorFactory, org_env: Any) -> None:
    server = emulator_factory(_org_world())
    org_env(server)
    track(db_url, "acme/repo-000")
    result = run(["repos", "add", "--org", "acme", "--json"])
    assert json.loads(result.stdout) == {
        "added": ["acme/repo-001", "acme/repo-002"],
        "already_tracked": ["acme/repo-000"],
        "archived": ["acme/repo-001"],
    }
    rows = {r["repo"]: r["archived"] for r in json.loads(run(["repos", "list", "--json"]).stdout)}
    assert rows == {"acme/repo-000": False, "acme/repo-001": True, "acme/repo-002": False}
    human = run(["repos", "add", "--org", "https://github.com/acme"]).stdout
    assert "added 0, already tracked 3 (1 archived" in human


def test_add_org_archived_repos_are_never_claimed(
    db_url: str, emulator_factory: EmulatorFactory, org_env: Any
) -> None:
    org_env(emulator_factory(_org_world(count=3, archived=(0, 2))))
    run(["repos", "add", "--org", "acme"])
    engine = open_engine(db_url)
    try:
        claimed = []  # each claim holds a lease: the loop ends when nothing else is due
        while (claim := claim_next(engine, utc_now(), timedelta(days=180))) is not None:
            claimed.append(claim.repo.ref.full_name)
        assert claimed == ["acme/repo-001"]
    finally:
        engine.dispose()


def test_add_org_follows_pagination(db_url: str, emulator_factory: EmulatorFactory, org_env: Any) -> None:
    server = emulator_factory(_org_world(count=230, archived=(5, 150, 229)))
    org_env(server)
    result = json.loads(run(["repos", "add", "--org", "acme", "--json"]).stdout)
    assert result["added"] == [f"acme/repo-{i:03d}" for i in range(230)]
    assert result["archived"] == ["acme/repo-005", "acme/repo-150", "acme/repo-229"]
    assert server.stats()["github"]["by_route"] == {"/orgs/{owner}/repos": 3}


def test_add_org_together_with_repos(db_url: str, emulator_factory: EmulatorFactory, org_env: Any) -> None:
    org_env(emulator_factory(_org_world(count=1, archived=())))
    result = json.loads(run(["repos", "add", "other/thing", "--org", "acme", "--json"]).stdout)
    assert result["added"] == ["other/thing", "acme/repo-000"]


@pytest.mark.parametrize(
    ("org", "says"),
    [
        ("nobody", "GitHub organization 'nobody' not found"),
        ("alice", "'alice' is a GitHub user, not an organization: add its repositories with --user alice"),
    ],
)
def test_add_unknown_org(
    db_url: str, emulator_factory: EmulatorFactory, org_env: Any, org: str, says: str
) -> None:
    org_env(emulator_factory(_org_world()))
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    one_error_line(run(["repos", "add", "acme/new", "--org", org], code=1), says, "nothing was added")
    assert snapshot(db_url) == before


@pytest.mark.parametrize("org", ["../etc", "acme/widget", "", "a b"])
def test_add_org_bad_name_is_a_usage_error(db_url: str, org: str) -> None:
    one_error_line(run(["repos", "add", "--org", org], code=2), "--org", "not a GitHub organization name")


def test_add_org_upstream_failure(db_url: str, emulator_factory: EmulatorFactory, org_env: Any) -> None:
    org_env(emulator_factory(_org_world(), {"github": {"error_rate": 1.0}}))
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    with stamina.set_testing(True, attempts=2):
        result = run(["repos", "add", "--org", "acme"], code=1)
    one_error_line(result, "listing the repositories of 'acme' failed", "HTTP 5", "nothing was added")
    assert snapshot(db_url) == before


def test_add_org_failure_on_a_later_page_adds_nothing(
    db_url: str, emulator_factory: EmulatorFactory, org_env: Any
) -> None:
    faults = {"github": {"rate_limit": {"after": 1, "status": 403, "retry_after_s": 3600}}}
    server = emulator_factory(_org_world(count=150), faults)
    org_env(server)
    track(db_url, "acme/existing")
    before = snapshot(db_url)
    with stamina.set_testing(True, attempts=2):
        one_error_line(run(["repos", "add", "--org", "acme"], code=1), "failed", "nothing was added")
    assert snapshot(db_url) == before
    assert server.stats()["github"]["requests"] >= 2  # page 1 was answered, page 2 was refused


def test_add_org_unreachable_github(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_GITHUB_API_URL", "http://127.0.0.1:1")
    with stamina.set_testing(True, attempts=1):
        one_error_line(run(["repos", "add", "--org", "acme"], code=1), "failed", "ConnectError")


# -- the org listing itself ------------------------------------------------------------------------------


def test_parse_org() -> None:
    assert parse_org("acme") == "acme"
    assert parse_org("https://github.com/Acme-Corp/") == "Acme-Corp"
    assert parse_org("github.com/acme") == "acme"
    for bad in ("", "../x", "a/b", "-x", "acme?x=1"):
        with pytest.raises(OrgListingError):
            parse_org(bad)


async def test_next_page_outside_the_api_base_is_not_followed() -> None:
    """The client sends its token with every call: a next link to another origin is refused."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        link = '<https://evil.example/orgs/acme/repos?page=2>; rel="next"'
        return httpx.Response(200, json=[{"full_name": "acme/a"}], headers={"link": link})

    config = UpstreamConfig(name="github", base_url="https://api.github.test", token="tok")
    client = UpstreamClient(config, transport=httpx.MockTransport(answer))
    try:
        with pytest.raises(OrgListingError, match="outside the configured API base"):
            await list_org_repos(client, "acme")
    finally:
        await client.aclose()
    assert asked == ["https://api.github.test/orgs/acme/repos?per_page=100"]


async def test_next_page_on_another_path_of_the_api_base_is_followed() -> None:
    """GitHub's next links may name the org by id (`/organizations/{id}/repos`), under an API prefix."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/orgs/acme/repos":
            link = '<https://ghe.test/api/v3/organizations/7/repos?per_page=100&page=2>; rel="next"'
            return httpx.Response(200, json=[{"full_name": "acme/a"}], headers={"link": link})
        assert request.url.path == "/api/v3/organizations/7/repos"
        assert request.url.params["page"] == "2"
        return httpx.Response(200, json=[{"full_name": "acme/b", "archived": True}])

    config = UpstreamConfig(name="github", base_url="https://ghe.test/api/v3")
    client = UpstreamClient(config, transport=httpx.MockTransport(answer))
    try:
        found = await list_org_repos(client, "acme")
    finally:
        await client.aclose()
    assert [(r.ref.full_name, r.archived) for r in found] == [("acme/a", False), ("acme/b", True)]


def test_a_repeated_org_adds_every_organization(
    db_url: str, emulator_factory: EmulatorFactory, org_env: Any
) -> None:
    world = _org_world(count=2, archived=())
    world["repos"].append({"url": "https://github.com/beta/tool"})
    server = emulator_factory(world)
    org_env(server)
    result = json.loads(
        run(["repos", "add", "--org", "acme", "--org", "beta", "--org", "acme", "--json"]).stdout
    )
    assert result["added"] == ["acme/repo-000", "acme/repo-001", "beta/tool"]
    assert server.stats()["github"]["by_route"] == {"/orgs/{owner}/repos": 2}  # each organization once


def test_add_user(db_url: str, emulator_factory: EmulatorFactory, org_env: Any) -> None:
    server = emulator_factory(_org_world())
    org_env(server)
    result = json.loads(run(["repos", "add", "--user", "alice", "--json"]).stdout)
    assert result["added"] == ["alice/personal"] and result["archived"] == []
    assert server.stats()["github"]["by_route"] == {"/users/{owner}/repos": 1}


def test_add_unknown_user(db_url: str, emulator_factory: EmulatorFactory, org_env: Any) -> None:
    org_env(emulator_factory(_org_world()))
    before = snapshot(db_url)
    one_error_line(run(["repos", "add", "--user", "nobody"], code=1), "GitHub user 'nobody' not found")
    assert snapshot(db_url) == before
    one_error_line(run(["repos", "add", "--user", "a b"], code=2), "--user", "not a GitHub user name")
