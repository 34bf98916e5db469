"""Named fragments in the emulator's GraphQL: read, checked by graphql-ruby's rules, spread as written inline.

distscout's batches spread one fragment under every alias (github_queries); an answer through fragments must
be the answer the same fields written inline give, or the switch would change the captures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from distscout.emulator.graphql_fragments import MAX_SELECTIONS
from distscout.emulator.graphql_parse import (
    MAX_DEPTH,
    Field,
    FragmentDefinition,
    FragmentSpread,
    GraphqlSyntaxError,
    parse,
)
from distscout.emulator.server import EmulatorServer
from distscout.sources import github_queries as q
from tests.emulator.worlds import github, tiny_world

WIDGET = 'repository(owner: "acme", name: "widget")'


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(tiny_world()) as emulator:
        yield emulator


@pytest.fixture
def gh(server: EmulatorServer) -> Iterator[httpx.Client]:
    with github(server) as api:
        yield api


def _post(api: httpx.Client, query: str) -> dict[str, Any]:
    answer = api.post("/graphql", json={"query": query})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _inline_tree(oid: str, depth: int = q.TREE_DEPTH) -> str:
    """The tree selection as distscout wrote it before fragments: every level spelt out."""
    inner = "path type oid size"
    for _ in range(depth - 1):
        inner = f"path type oid size object {{ ... on Tree {{ entries {{ {inner} }} }} }}"
    return f'object(oid: "{oid}") {{ ... on Tree {{ oid entries {{ {inner} }} }} }}'


# -- reading -------------------------------------------------------------------------------------------------
def test_fragments_are_read_before_and_after_the_query() -> None:
    document = parse(
        "fragment Early on Repository { name }\n"
        f"query Named {{ r0: {WIDGET} {{ ...Early ... Late ... on Repository {{ id }} }} }}\n"
        "fragment Late on Repository { nameWithOwner }"
    )
    assert document.name == "Named"
    assert [f.name for f in document.fragments] == ["Early", "Late"]
    early = document.fragments[0]
    assert early == FragmentDefinition("Early", "Repository", (Field("name", None, {}, (), 1, 32),), 1, 1)
    (repo,) = document.selections
    assert isinstance(repo, Field)
    assert repo.selections[:2] == (FragmentSpread("Early", 2, 63), FragmentSpread("Late", 2, 72))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fragment on on Repository { name } { rateLimit { cost } }", 'Parse error on "on"'),
        ("fragment F Repository { name } { rateLimit { cost } }", 'Parse error on "Repository"'),
        ("fragment F on Repository { name }", "Parse error on end of input"),
        ("{ rateLimit { cost } } fragment F on Query { rateLimit { cost } } { a }", 'Parse error on "{"'),
        ("{ ...F @skip(if: true) } fragment F on Query { a }", "does not support directives"),
    ],
)
def test_what_does_not_read_as_fragments_is_a_syntax_error(query: str, message: str) -> None:
    with pytest.raises(GraphqlSyntaxError) as caught:
        parse(query)
    assert message in caught.value.message


# -- the rules -----------------------------------------------------------------------------------------------
def _only_error(api: httpx.Client, query: str) -> dict[str, Any]:
    body = _post(api, query)
    assert "data" not in body, body
    (problem,) = body["errors"]
    return problem  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "message", "code", "path"),
    [
        (
            f"{{ r0: {WIDGET} {{ ...Missing }} }}",
            "Fragment Missing was used, but not defined",
            "useAndDefineFragment",
            ["query", "... Missing"],
        ),
        (
            f"{{ r0: {WIDGET} {{ name }} }} fragment Spare on Repository {{ name }}",
            "Fragment Spare was defined, but not used",
            "useAndDefineFragment",
            ["fragment Spare"],
        ),
        (
            f"{{ r0: {WIDGET} {{ ...A }} }} fragment A on Repository {{ name }} "
            "fragment A on Repository { id }",
            'Fragment name "A" must be unique',
            "fragmentNotUnique",
            [],
        ),
        (
            f"{{ r0: {WIDGET} {{ ...A }} }} fragment A on Repository {{ owner {{ login }} ...B }} "
            "fragment B on Repository { ...A }",
            "Fragment A contains an infinite loop",
            "infiniteLoop",
            ["fragment A"],
        ),
        (
            f"{{ r0: {WIDGET} {{ ...T }} }} fragment T on Nothing {{ oid }}",
            "No such type Nothing, so it can't be a fragment condition",
            "undefinedType",
            ["fragment T"],
        ),
        (
            f"{{ r0: {WIDGET} {{ ...B }} }} fragment B on Blob {{ text }}",
            "Fragment B on Blob can't be spread inside Repository",
            "fragmentSpreadTypeMismatch",
            ["query", "r0", "... B"],
        ),
        (
            f"{{ r0: {WIDGET} {{ name: nameWithOwner ...N }} }} fragment N on Repository {{ name }}",
            "Field 'name' has a field conflict: nameWithOwner or name?",
            "fieldConflict",
            ["query", "r0", "name"],
        ),
    ],
)
def test_fragments_are_refused_as_graphql_ruby_refuses_them(
    gh: httpx.Client, query: str, message: str, code: str, path: list[str]
) -> None:
    problem = _only_error(gh, query)
    assert problem["message"] == message
    assert problem["extensions"]["code"] == code
    assert problem["path"] == path
    assert problem["locations"]


def test_a_fragment_is_checked_once_however_often_it_is_spread(gh: httpx.Client) -> None:
    aliases = " ".join(f"r{i}: {WIDGET} {{ ...Bad }}" for i in range(3))
    problem = _only_error(gh, f"{{ {aliases} }} fragment Bad on Repository {{ stars }}")
    assert problem["message"] == "Field 'stars' doesn't exist on type 'Repository'"
    assert problem["path"] == ["fragment Bad", "stars"]


def test_spreads_cannot_get_past_the_guards(gh: httpx.Client) -> None:
    # each fragment is shallow; spread into one another they are deeper than the parser lets a query be
    levels = MAX_DEPTH // 2 + 1
    chain = " ".join(
        f"fragment D{i} on TreeEntry {{ object {{ ... on Tree {{ entries {{ ...D{i + 1} }} }} }} }}"
        for i in range(levels)
    )
    deep = (
        f'{{ r0: {WIDGET} {{ object(oid: "{"0" * 40}") {{ ... on Tree {{ entries {{ ...D0 }} }} }} }} }} '
        f"{chain} fragment D{levels} on TreeEntry {{ path }}"
    )
    assert "more than 40 levels" in _only_error(gh, deep)["message"]
    # each fragment spreads the next one twice: 2^25 selections from 26 one-line fragments, 26 levels deep
    fragments = " ".join(f"fragment F{i} on Repository {{ ...F{i + 1} ...F{i + 1} }}" for i in range(25))
    huge = f"{{ r0: {WIDGET} {{ ...F0 }} }} {fragments} fragment F25 on Repository {{ name }}"
    problem = _only_error(gh, huge)
    assert problem["message"] == (
        f"Query has too many selections once its fragments are spread (over {MAX_SELECTIONS:,})"
    )


# -- answers -------------------------------------------------------------------------------------------------
def test_distscouts_fragments_answer_what_the_same_fields_inline_answer(gh: httpx.Client) -> None:
    rest = gh.get("/repos/acme/widget/git/trees/main", params={"recursive": "1"}).json()
    for depth in (1, 3, q.TREE_DEPTH):
        spread = q.document([("r0", q.repository("acme", "widget", q.tree(rest["sha"], depth)))])
        inline = f"query {{ r0: {WIDGET} {{ {_inline_tree(rest['sha'], depth)} }} }}"
        assert "fragment TreeEntries" in spread and "fragment" not in inline
        assert _post(gh, spread)["data"]["r0"] == _post(gh, inline)["data"]["r0"]
    metadata = _post(gh, q.document([("r0", q.repository("acme", "widget", q.METADATA))]))
    inline_metadata = q.FRAGMENTS["RepositoryMetadata"].split("{", 1)[1].rsplit("}", 1)[0]
    assert metadata["data"]["r0"] == _post(gh, f"{{ r0: {WIDGET} {{ {inline_metadata} }} }}")["data"]["r0"]
    assert metadata["data"]["r0"]["nameWithOwner"] == "acme/widget"


def test_a_spread_applies_where_its_type_does_and_once_a_set(gh: httpx.Client) -> None:
    body = _post(
        gh,
        f'{{ r0: {WIDGET} {{ object(expression: "HEAD") {{ ...AsCommit ...AsTree ...AsCommit ...Any }} }} }} '
        "fragment AsCommit on Commit { tree { oid } } fragment AsTree on Tree { entries { name } } "
        "fragment Any on GitObject { __typename }",
    )
    assert "errors" not in body, body
    answer = body["data"]["r0"]["object"]
    assert list(answer) == ["tree", "__typename"] and answer["__typename"] == "Commit"


def test_a_spread_counts_its_points_wherever_it_is_spread(gh: httpx.Client) -> None:
    aliases = " ".join(f"r{i}: {WIDGET} {{ ...Releases }}" for i in range(3))
    fragment = f"fragment Releases on Repository {{ {q.releases(10)} }}"
    spread = f"{{ {aliases} rateLimit {{ cost nodeCount }} }} {fragment}"
    inline = " ".join(f"r{i}: {WIDGET} {{ {q.releases(10)} }}" for i in range(3))
    counted = _post(gh, spread)["data"]["rateLimit"]
    assert counted == _post(gh, f"{{ {inline} rateLimit {{ cost nodeCount }} }}")["data"]["rateLimit"]
    assert counted["nodeCount"] == 3 * (10 + 10 * 100)  # three spreads: 10 releases, 100 assets each


def test_nodes_over_the_limit_are_found_through_spreads(gh: httpx.Client) -> None:
    aliases = " ".join(f"r{i}: {WIDGET} {{ ...Releases }}" for i in range(50))
    body = _post(gh, f"{{ {aliases} }} fragment Releases on Repository {{ {q.releases(100)} }}")
    assert body == {
        "errors": [
            {
                "type": "MAX_NODE_LIMIT_EXCEEDED",
                "message": "By the time this query traverses to the releaseAssets connection, it is "
                "requesting up to 505,000 possible nodes which exceeds the maximum limit of 500,000.",
            }
        ]
    }
