"""The emulator refuses what GitHub's GraphQL service refuses, and runs what it runs: each document below
is checked by graphql-core against GitHub's published schema and sent to the emulator. A refusal is HTTP 200
with `errors` and no `data`, as GitHub answers validation errors."""

from __future__ import annotations

from collections.abc import Iterator

import graphql
import httpx
import pytest

from distscout.emulator.server import EmulatorServer
from distscout.sources import github_queries as q
from tests.contracts.graphql_contract import limits
from tests.contracts.official import graphql_schema
from tests.emulator.worlds import github, tiny_world

WIDGET = 'repository(owner: "acme", name: "widget")'
REFUSED = {
    "one alias, different arguments": (
        f'{{ r0: {WIDGET} {{ name }} r0: repository(owner: "acme", name: "gadget") {{ name }} }}'
    ),
    "one alias, different fields": f"{{ r0: {WIDGET} {{ name }} r0: rateLimit {{ cost }} }}",
    "nested alias conflict": f"{{ {WIDGET} {{ x: name x: nameWithOwner }} }}",
    "merged selections conflict": (
        f"{{ r0: {WIDGET} {{ releases(first: 1) {{ totalCount }} }} "
        f"r0: {WIDGET} {{ releases(first: 2) {{ totalCount }} }} }}"
    ),
    "unknown field": f"{{ {WIDGET} {{ stars }} }}",
    "unknown argument": '{ repository(owner: "acme", name: "widget", kind: "x") { name } }',
    "missing argument": '{ repository(owner: "acme") { name } }',
    "selection on a scalar": f"{{ {WIDGET} {{ name {{ x }} }} }}",
    "object without selection": f"{{ {WIDGET} {{ owner }} }}",
    "wrong argument type": f'{{ {WIDGET} {{ releases(first: "10") {{ totalCount }} }} }}',
    "unknown enum value": (
        f"{{ {WIDGET} {{ releases(first: 1, orderBy: {{field: SIZE, direction: DESC}}) {{ totalCount }} }} }}"
    ),
    "fragment on an unknown type": (
        f'{{ {WIDGET} {{ object(expression: "HEAD") {{ ... on Nothing {{ oid }} }} }} }}'
    ),
    "interface field not on the interface": f'{{ {WIDGET} {{ object(expression: "HEAD") {{ text }} }} }}',
    "fragment not defined": f"{{ {WIDGET} {{ ...Missing }} }}",
    "fragment not spread": f"{{ {WIDGET} {{ name }} }} fragment Spare on Repository {{ name }}",
    "fragment name twice": (
        f"{{ {WIDGET} {{ ...A }} }} fragment A on Repository {{ name }} fragment A on Repository {{ id }}"
    ),
    "fragments spreading each other": (
        f"{{ {WIDGET} {{ ...A }} }} fragment A on Repository {{ ...B }} fragment B on Repository {{ ...A }}"
    ),
    "fragment on an unknown type, named": f"{{ {WIDGET} {{ ...T }} }} fragment T on Nothing {{ oid }}",
    "fragment spread where its type cannot be": f"{{ {WIDGET} {{ ...B }} }} fragment B on Blob {{ text }}",
    "conflict through a fragment": (
        f"{{ {WIDGET} {{ name: nameWithOwner ...N }} }} fragment N on Repository {{ name }}"
    ),
    "unknown field in a fragment": f"{{ {WIDGET} {{ ...S }} }} fragment S on Repository {{ stars }}",
}
# GitHub's own limits, beyond the schema's rules (graphql-core cannot see them): the node/page check can.
REFUSED_BY_LIMITS = {
    "first over 100": f"{{ {WIDGET} {{ releases(first: 101) {{ totalCount }} }} }}",
    "first below 1": f"{{ {WIDGET} {{ releases(first: 0) {{ totalCount }} }} }}",
    "no first": f"{{ {WIDGET} {{ releases {{ totalCount }} }} }}",
}
ACCEPTED = {
    "one alias, same field and arguments": f"{{ r0: {WIDGET} {{ name }} r0: {WIDGET} {{ nameWithOwner }} }}",
    "same key on different object types": (
        f'{{ {WIDGET} {{ object(expression: "HEAD") {{ ... on Tree {{ oid }} ... on Blob {{ oid }} }} }} }}'
    ),
    "metadata": q.document([("r0", q.repository("acme", "widget", q.METADATA))]),
    "tree": q.document([("r0", q.repository("acme", "widget", q.tree("0" * 40)))]),
    "fragment defined before the query, spread twice": (
        f"fragment N on Repository {{ name }} {{ r0: {WIDGET} {{ ...N ...N }} r1: {WIDGET} {{ ...N }} }}"
    ),
    "fragments spreading fragments, on an interface": (
        f'{{ {WIDGET} {{ object(expression: "HEAD") {{ ...Git }} }} }} '
        "fragment Git on GitObject { oid ...AsCommit } fragment AsCommit on Commit { tree { oid } }"
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(tiny_world()) as emulator:
        yield emulator


@pytest.fixture
def api(server: EmulatorServer) -> Iterator[httpx.Client]:
    with github(server) as client:
        yield client


def _official_errors(document: str) -> list[str]:
    return [e.message for e in graphql.validate(graphql_schema(), graphql.parse(document))]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_github_refuses_the_emulator_refuses(api: httpx.Client, name: str) -> None:
    document = REFUSED[name]
    assert _official_errors(document), f"GitHub's schema accepts {name!r}: the case is wrong"
    answer = api.post("/graphql", json={"query": document})
    assert answer.status_code == 200
    body = answer.json()
    assert "data" not in body and body["errors"], body


@pytest.mark.parametrize("name", sorted(REFUSED_BY_LIMITS))
def test_what_githubs_limits_refuse_the_emulator_refuses(api: httpx.Client, name: str) -> None:
    document = REFUSED_BY_LIMITS[name]
    assert limits(document).bad_pages
    body = api.post("/graphql", json={"query": document}).json()
    assert "data" not in body and body["errors"], body


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_what_github_runs_the_emulator_runs(api: httpx.Client, name: str) -> None:
    document = ACCEPTED[name]
    assert not _official_errors(document)
    body = api.post("/graphql", json={"query": document}).json()
    assert body.get("data") is not None and "errors" not in body, body


def test_a_conflict_is_reported_as_graphql_ruby_does(api: httpx.Client) -> None:
    body = api.post("/graphql", json={"query": REFUSED["one alias, different arguments"]}).json()
    (problem,) = body["errors"]
    assert problem["extensions"]["code"] == "fieldConflict"
    assert problem["message"].startswith("Field 'r0' has an argument conflict: ")
