"""GitHub's token quirks (quirks.py): scopes headers by kind of token, Packages refused to a token that cannot
read them, and a skewed `Date` — each as GitHub answers, and exactly one `Date` on every answer."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from distscout.emulator.budget import Limits
from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import github, tiny_world

NOW = 1_750_000_000.0
METADATA = '{ repository(owner: "acme", name: "widget") { nameWithOwner } }'


def _quirks(**quirks: Any) -> dict[str, Any]:
    return {"github": {"quirks": quirks}}


def _start(emulator_factory: EmulatorFactory, **quirks: Any) -> EmulatorServer:
    return emulator_factory(tiny_world(), _quirks(**quirks) if quirks else None, clock=lambda: NOW)


def _dates(answer: httpx.Response) -> list[str]:
    return answer.headers.get_list("date")


def test_a_classic_token_is_answered_with_its_scopes(emulator_factory: EmulatorFactory) -> None:
    server = _start(emulator_factory, token_kind="classic", token_scopes=["repo", "read:packages", "gist"])
    with github(server) as api:
        repo = api.get("/repos/acme/widget")
        packages = api.get("/orgs/acme/packages", params={"package_type": "npm"})
        graphql = api.post("/graphql", json={"query": METADATA})
        missing = api.get("/repos/acme/no-such-repo")
    for answer in (repo, packages, graphql, missing):
        assert answer.headers["x-oauth-scopes"] == "repo, read:packages, gist"
    assert repo.headers["x-accepted-oauth-scopes"] == ""  # public repository data needs no scope
    assert packages.headers["x-accepted-oauth-scopes"] == "read:packages"
    assert "x-accepted-oauth-scopes" not in graphql.headers
    assert graphql.json()["data"]["repository"]["nameWithOwner"] == "acme/widget"


def test_the_default_token_is_classic_with_repo_and_read_packages(emulator_factory: EmulatorFactory) -> None:
    with github(_start(emulator_factory)) as api:
        assert api.get("/repos/acme/widget").headers["x-oauth-scopes"] == "repo, read:packages"


def test_a_fine_grained_token_and_no_token_get_no_scopes_header(emulator_factory: EmulatorFactory) -> None:
    server = _start(emulator_factory, token_kind="fine_grained")
    with github(server) as api, github(server, token=None) as anonymous:
        answers = [
            api.get("/repos/acme/widget"),
            api.post("/graphql", json={"query": METADATA}),
            anonymous.get("/repos/acme/widget"),
        ]
    for answer in answers:
        assert answer.status_code == 200
        assert "x-oauth-scopes" not in answer.headers
        assert "x-accepted-oauth-scopes" not in answer.headers


def test_no_token_gets_no_scopes_header_even_when_classic(emulator_factory: EmulatorFactory) -> None:
    with github(_start(emulator_factory), token=None) as anonymous:
        answer = anonymous.get("/users/Solo/packages", params={"package_type": "npm"})
    assert answer.status_code == 200
    assert "x-oauth-scopes" not in answer.headers


def _packages_refused(answer: httpx.Response) -> None:
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert body["message"] == "You need at least read:packages scope to list packages."
    assert body["documentation_url"].startswith("https://docs.github.com/")
    assert answer.headers["x-ratelimit-resource"] == "core"
    assert int(answer.headers["x-ratelimit-remaining"]) < int(answer.headers["x-ratelimit-limit"])


def test_packages_refuse_a_classic_token_without_read_packages(emulator_factory: EmulatorFactory) -> None:
    server = _start(emulator_factory, token_kind="classic", token_scopes=["repo"])
    with github(server) as api:
        _packages_refused(api.get("/orgs/acme/packages", params={"package_type": "npm"}))
        _packages_refused(api.get("/users/Solo/packages", params={"package_type": "npm"}))
        assert api.get("/repos/acme/widget").status_code == 200  # only Packages needs the scope
    assert server.stats()["github"]["rate_limit_cost"] == 3  # a refusal is charged like any answer


def test_packages_refuse_a_fine_grained_token_but_answer_without_a_token(
    emulator_factory: EmulatorFactory,
) -> None:
    server = _start(emulator_factory, token_kind="fine_grained")
    with github(server) as api:
        _packages_refused(api.get("/orgs/acme/packages", params={"package_type": "npm"}))
    with github(server, token=None) as anonymous:  # the same request line, answered as before
        listed = anonymous.get("/orgs/acme/packages", params={"package_type": "npm"})
    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()] == ["widget"]
    with github(server) as api:  # and a cached 200 is no answer to the token either
        _packages_refused(api.get("/orgs/acme/packages", params={"package_type": "npm"}))


def test_changing_the_quirks_changes_the_answers(emulator_factory: EmulatorFactory) -> None:
    server = _start(emulator_factory)
    with github(server) as api:
        assert api.get("/orgs/acme/packages", params={"package_type": "npm"}).status_code == 200
        server.set_faults(_quirks(token_scopes=["repo"]))
        _packages_refused(api.get("/orgs/acme/packages", params={"package_type": "npm"}))


def test_every_answer_has_exactly_one_date_the_emulator_clock(emulator_factory: EmulatorFactory) -> None:
    server = _start(emulator_factory)
    with github(server) as api, github(server, token=None) as anonymous:
        answers = [
            api.get("/repos/acme/widget"),
            api.get("/repos/acme/no-such-repo"),
            api.get("/rate_limit"),
            api.post("/graphql", json={"query": METADATA}),
            anonymous.post("/graphql", json={"query": METADATA}),  # 401
            httpx.get(server.url_for("github") + "/repos/acme/widget"),  # no User-Agent: 403
        ]
        etag = answers[0].headers["etag"]
        answers.append(api.get("/repos/acme/widget", headers={"If-None-Match": etag}))  # 304
    with httpx.Client(base_url=server.url_for("depsdev")) as depsdev:
        answers.append(depsdev.get("/v3/systems/npm/packages/nothing"))
    for answer in answers:
        assert len(_dates(answer)) == 1, (answer.request.url, answer.headers)
        assert parsedate_to_datetime(answer.headers["date"]).timestamp() == NOW
    assert answers[-2].status_code == 304


def test_clock_skew_moves_githubs_date_only(emulator_factory: EmulatorFactory) -> None:
    server = _start(emulator_factory, clock_skew_s=-600)
    with github(server) as api:
        answers = [api.get("/repos/acme/widget"), api.post("/graphql", json={"query": METADATA})]
    with httpx.Client(base_url=server.url_for("depsdev")) as depsdev:
        other = depsdev.get("/v3/systems/npm/packages/nothing")
    for answer in answers:
        assert _dates(answer) == ["Sun, 15 Jun 2025 14:56:40 GMT"]  # NOW - 600 s, RFC 7231
        assert parsedate_to_datetime(answer.headers["date"]).timestamp() == NOW - 600
    assert parsedate_to_datetime(other.headers["date"]).timestamp() == NOW


def test_an_injected_fault_carries_the_skewed_date_too(emulator_factory: EmulatorFactory) -> None:
    faults = {"github": {"error_rate": 1.0, "quirks": {"clock_skew_s": 90}}}
    server = emulator_factory(tiny_world(), faults, clock=lambda: NOW)
    with github(server) as api:
        answer = api.get("/repos/acme/widget")
    assert answer.status_code >= 500
    assert _dates(answer) and parsedate_to_datetime(answer.headers["date"]).timestamp() == NOW + 90
    assert answer.headers["x-oauth-scopes"] == "repo, read:packages"


def test_graphqls_secondary_limit_can_be_answered_200(emulator_factory: EmulatorFactory) -> None:
    """upstream-apis.md §3.7: GraphQL's secondary limit answers 200 or 403. The 200 form: `errors` saying
    so, no `data`, not charged, the primary budget far from spent; REST keeps its 403."""
    faults = _quirks(graphql_secondary_limit_status=200)
    limits = Limits(github_graphql_points_per_minute=1, github_rest_points_per_minute=1)
    server = emulator_factory(tiny_world(), faults, clock=lambda: NOW, limits=limits)
    with github(server) as api:
        assert "data" in api.post("/graphql", json={"query": METADATA}).json()
        refused = api.post("/graphql", json={"query": METADATA})
        assert api.get("/repos/acme/widget").status_code == 200
        assert api.get("/repos/acme/widget").status_code == 403
    assert refused.status_code == 200 and "retry-after" not in refused.headers
    body = refused.json()
    assert "data" not in body and "secondary rate limit" in body["errors"][0]["message"]
    assert int(refused.headers["x-ratelimit-remaining"]) > 0 and refused.headers["x-ratelimit-used"] == "1"
    assert refused.headers["x-ratelimit-resource"] == "graphql"
