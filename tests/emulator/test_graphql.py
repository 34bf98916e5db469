"""POST /graphql: the parser, the answers to distscout's four query shapes, points, budget, errors, faults."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from distscout.emulator.budget import Limits
from distscout.emulator.graphql_parse import EnumValue, Field, GraphqlSyntaxError, InlineFragment, parse
from distscout.emulator.graphql_resolve import TEXT_LIMIT, resolved_fields
from distscout.emulator.graphql_schema import OBJECTS
from distscout.emulator.server import EmulatorServer
from distscout.emulator.tree import blob_sha
from distscout.sources import github_queries as q
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import github, tiny_world

BIG_TEXT = "a" * (TEXT_LIMIT - 1) + "é" + "b" * 1000  # the cut falls inside "é"
INVALID_UTF8 = b"\x89PNG\r\n\x1a\n\xff\xfe"


def _world() -> dict[str, Any]:
    world = tiny_world()
    widget = world["repos"][0]
    widget["files"]["docs/big.txt"] = BIG_TEXT
    widget["files"]["bin/nul.dat"] = "abc\x00def"
    widget["releases"].insert(0, {"tag_name": "v2.0.0-rc1", "draft": True})
    world["repos"].append(
        {
            "url": "https://github.com/acme/many-assets",
            "paths": ["README"],
            "releases": [
                {
                    "tag_name": "v1",
                    "published_at": "2024-01-01T00:00:00Z",
                    "assets": [f"asset-{i}.tgz" for i in range(150)],
                }
            ],
        }
    )
    return world


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    root = tmp_path_factory.mktemp("world")
    (root / "world.json").write_text(json.dumps(_world()), encoding="utf-8")
    on_disk = root / "repos/github.com/acme/widget/bin"
    on_disk.mkdir(parents=True)
    (on_disk / "logo.png").write_bytes(INVALID_UTF8)
    with EmulatorServer(root) as emulator:
        yield emulator


@pytest.fixture
def gh(server: EmulatorServer) -> Iterator[httpx.Client]:
    server.reset()
    with github(server) as api:
        yield api


def _post(api: httpx.Client, query: str) -> httpx.Response:
    answer = api.post("/graphql", json={"query": query})
    assert answer.status_code == 200, answer.text
    return answer


def _ask(api: httpx.Client, *repos: tuple[str, str], selection: str) -> dict[str, Any]:
    document = q.document(
        (f"r{i}", q.repository(owner, name, selection)) for i, (owner, name) in enumerate(repos)
    )
    body: dict[str, Any] = _post(api, document).json()
    return body


# -- the parser ----------------------------------------------------------------------------------------------
def test_parser_reads_aliases_arguments_fragments_and_literals() -> None:
    document = parse(
        """
        query Named {  # a comment
          r0: repository(owner: "ac\\"me", name: "w\\u00e9\\n\\ud83d\\ude00", followRenames: true) {
            releases(first: 3, last: null, orderBy: {field: CREATED_AT, direction: DESC}), totalCount
            object(expression: \"\"\"
                HEAD:a\"\"\") { ... on Blob { text } ... { oid } }
          }
        }
        """
    )
    assert document.name == "Named"
    (repo,) = document.selections
    assert isinstance(repo, Field) and (repo.alias, repo.name, repo.key) == ("r0", "repository", "r0")
    assert dict(repo.arguments) == {"owner": 'ac"me', "name": "wé\n😀", "followRenames": True}
    releases, total, git_object = repo.selections
    assert isinstance(releases, Field) and releases.alias is None and releases.key == "releases"
    assert releases.arguments["first"] == 3 and releases.arguments["last"] is None
    assert releases.arguments["orderBy"] == {"field": EnumValue("CREATED_AT"), "direction": EnumValue("DESC")}
    assert isinstance(total, Field) and total.name == "totalCount"
    assert isinstance(git_object, Field) and git_object.arguments["expression"] == "HEAD:a"
    blob, untyped = git_object.selections
    assert isinstance(blob, InlineFragment) and blob.type_condition == "Blob"
    assert isinstance(untyped, InlineFragment) and untyped.type_condition is None
    assert (repo.line, repo.column) == (3, 11)


def test_parser_reads_every_distscout_query() -> None:
    for selection in (q.METADATA, q.releases(3), q.tree("0" * 40), q.blobs(["1" * 40, "2" * 40])):
        document = parse(q.document([("r0", q.repository("acme", "widget", selection))]))
        assert [s.key for s in document.selections if isinstance(s, Field)] == ["r0", "rateLimit"]
    assert parse("{ rateLimit { cost } }").name is None  # the shorthand form
    assert parse("{ a: rateLimit { cost } }").selections[0] == Field(
        "rateLimit", "a", {}, (Field("cost", None, {}, (), 1, 18),), 1, 3
    )


@pytest.mark.parametrize(
    ("query", "message", "where"),
    [
        (
            'query { r0: repository(owner: "a" name: ) { id } }',
            'Parse error on ")" (RPAREN) at [1, 41]',
            (1, 41),
        ),
        ("query {\n  rateLimit { cost }\n", "Parse error on end of input", (3, 1)),
        ("query { rateLimit { } }", 'Parse error on "}" (RCURLY) at [1, 21]', (1, 21)),
        (
            '{ repository(owner: "a\\q") { id } }',
            "Parse error on an unterminated string or a bad escape",
            (1, 21),
        ),
        ("{ repository(owner: $o) { id } }", "does not support variables", (1, 21)),
        ("mutation { x }", "queries only", (1, 1)),
        ("{ rateLimit { cost } } { rateLimit { cost } }", 'Parse error on "{" (LCURLY) at [1, 24]', (1, 24)),
        ("{ a(x: 1, x: 2) { b } }", 'There can be only one argument named "x"', (1, 11)),
        ("{ rateLimit % }", 'Parse error on "%" (UNKNOWN_CHAR)', (1, 13)),
    ],
)
def test_syntax_errors_name_the_token_and_where(query: str, message: str, where: tuple[int, int]) -> None:
    with pytest.raises(GraphqlSyntaxError) as caught:
        parse(query)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == where


def test_guards_refuse_absurd_queries() -> None:
    with pytest.raises(GraphqlSyntaxError, match="too many nested selections"):
        parse("{ " + "a { " * 50 + "b" + " }" * 51)
    parse("{ " + "a { " * 38 + "b" + " }" * 39)  # 39 levels are fine
    with pytest.raises(GraphqlSyntaxError, match="too large"):
        parse("{ rateLimit { cost } }" + " " * 1_000_000)


def test_a_syntax_error_answers_200_with_errors_and_no_data(gh: httpx.Client, server: EmulatorServer) -> None:
    answer = _post(gh, 'query { r0: repository(owner: "a", name: "b") { id }')
    assert answer.json() == {
        "errors": [
            {
                "message": "Parse error on end of input (unexpected end of document) at [1, 53]",
                "locations": [{"line": 1, "column": 53}],
            }
        ]
    }
    assert answer.headers["x-ratelimit-used"] == "0", "a query that does not run is not charged"
    assert server.stats()["github"]["graphql_points"] == 0


# -- answers -------------------------------------------------------------------------------------------------
def test_metadata_follows_renames_and_reports_owner_type_archive_and_releases(gh: httpx.Client) -> None:
    body = _ask(gh, ("ACME", "old-widget"), ("acme", "gadget"), ("solo", "tool"), selection=q.METADATA)
    assert "errors" not in body
    widget, gadget, tool = (body["data"][f"r{i}"] for i in range(3))
    assert widget["nameWithOwner"] == "acme/widget" and widget["isArchived"] is False
    assert widget["owner"] == {"__typename": "Organization", "login": "acme"}
    assert tool["owner"] == {"__typename": "User", "login": "Solo"} and tool["nameWithOwner"] == "Solo/Tool"
    assert gadget["isArchived"] is True and gadget["defaultBranchRef"]["name"] == "trunk"
    branch = widget["defaultBranchRef"]
    assert branch["name"] == "main" and len(branch["target"]["oid"]) == 40
    rest_tree = gh.get("/repos/acme/widget/git/trees/main").json()
    assert branch["target"]["tree"]["oid"] == rest_tree["sha"]
    releases = widget["releases"]
    assert releases["totalCount"] == 4
    rest = {r["tag_name"]: r["id"] for r in gh.get("/repos/acme/widget/releases").json()}
    assert [(n["tagName"], n["databaseId"]) for n in releases["nodes"]] == list(rest.items())
    draft, newest = releases["nodes"][:2]
    assert (draft["isDraft"], draft["publishedAt"]) == (True, None)
    assert draft["updatedAt"].endswith("Z")
    assert (newest["isDraft"], newest["publishedAt"], newest["updatedAt"]) == (
        False,
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00Z",
    )
    again = _ask(gh, ("acme", "widget"), selection=q.METADATA)["data"]["r0"]
    assert again == widget, "the same answer under the old and the new name, and on every call"


def test_a_missing_repository_is_null_with_not_found_while_others_resolve(gh: httpx.Client) -> None:
    body = _ask(gh, ("acme", "widget"), ("acme", "nothing"), ("nobody", "x"), selection=q.METADATA)
    assert body["data"]["r0"]["nameWithOwner"] == "acme/widget"
    assert body["data"]["r1"] is None and body["data"]["r2"] is None
    assert body["data"]["rateLimit"]["cost"] == 1
    assert [(e["type"], e["path"], e["message"]) for e in body["errors"]] == [
        ("NOT_FOUND", ["r1"], "Could not resolve to a Repository with the name 'acme/nothing'."),
        ("NOT_FOUND", ["r2"], "Could not resolve to a Repository with the name 'nobody/x'."),
    ]
    assert body["errors"][0]["locations"][0]["line"] >= 1
    unfollowed = _post(
        gh, '{ r0: repository(owner: "acme", name: "old-widget", followRenames: false) { id } }'
    ).json()
    assert unfollowed["data"] == {"r0": None} and unfollowed["errors"][0]["type"] == "NOT_FOUND"


def test_an_empty_repository_has_no_default_branch_and_no_objects(gh: httpx.Client) -> None:
    body = _ask(gh, ("acme", "empty"), selection=q.METADATA + ' o: object(expression: "HEAD:") { oid }')
    empty = body["data"]["r0"]
    assert empty["defaultBranchRef"] is None and empty["o"] is None
    assert empty["releases"] == {"totalCount": 0, "nodes": []}
    assert "errors" not in body


def test_releases_with_assets_and_their_next_page(gh: httpx.Client) -> None:
    body = _ask(gh, ("acme", "widget"), ("acme", "many-assets"), selection=q.releases(2))
    widget = body["data"]["r0"]["releases"]["nodes"]
    assert [(r["tagName"], r["isDraft"], r["publishedAt"]) for r in widget] == [
        ("v2.0.0-rc1", True, None),
        ("v1.2.0", False, "2024-05-01T10:00:00Z"),
    ]
    assert widget[1]["releaseAssets"] == {
        "pageInfo": {"hasNextPage": False},
        "nodes": [{"name": "acme_widget-1.2.0.whl"}],
    }
    (many,) = body["data"]["r1"]["releases"]["nodes"]
    assert many["releaseAssets"]["pageInfo"] == {"hasNextPage": True}
    assert [a["name"] for a in many["releaseAssets"]["nodes"]] == [f"asset-{i}.tgz" for i in range(100)]
    cursor_query = (
        '{ r: repository(owner: "acme", name: "many-assets") { releases(first: 1) { nodes { '
        "releaseAssets(first: 100) { totalCount pageInfo { hasNextPage endCursor } } } } } }"
    )
    page = _post(gh, cursor_query).json()["data"]["r"]["releases"]["nodes"][0]["releaseAssets"]
    after = page["pageInfo"]["endCursor"]
    rest = _post(gh, cursor_query.replace("first: 100)", f'first: 100, after: "{after}")')).json()
    second = rest["data"]["r"]["releases"]["nodes"][0]["releaseAssets"]
    assert page["totalCount"] == second["totalCount"] == 150
    assert second["pageInfo"]["hasNextPage"] is False
    oldest_first = _post(
        gh,
        '{ r: repository(owner: "acme", name: "widget") { '
        "releases(first: 2, orderBy: {field: CREATED_AT, direction: ASC}) { nodes { tagName } } } }",
    ).json()
    assert [n["tagName"] for n in oldest_first["data"]["r"]["releases"]["nodes"]] == ["v1.0.0", "v1.1.0"]


def _flatten(entries: list[dict[str, Any]]) -> Iterator[tuple[str, str, str, int | None]]:
    for entry in entries:
        yield entry["path"], entry["type"], entry["oid"], entry["size"] if entry["type"] == "blob" else None
        yield from _flatten((entry.get("object") or {}).get("entries", []))


def test_a_deep_tree_equals_the_rest_recursive_tree(gh: httpx.Client) -> None:
    rest = gh.get("/repos/acme/widget/git/trees/main", params={"recursive": "1"}).json()
    body = _ask(gh, ("acme", "widget"), selection=q.tree(rest["sha"]))
    root = body["data"]["r0"]["object"]
    assert root["oid"] == rest["sha"]
    assert sorted(_flatten(root["entries"])) == sorted(
        (e["path"], e["type"], e["sha"], e.get("size")) for e in rest["tree"]
    )
    assert body["data"]["rateLimit"]["cost"] == 1
    nested = _ask(gh, ("acme", "widget"), selection=q.tree(rest["sha"], depth=1))["data"]["r0"]["object"]
    assert [e["path"] for e in nested["entries"]] == [e["path"] for e in rest["tree"] if "/" not in e["path"]]
    by_expression = _post(
        gh,
        '{ r: repository(owner: "acme", name: "widget") { '
        'd: object(expression: "main:packages") { ... on Tree { entries { name path type } } } '
        'f: object(expression: "HEAD:setup.cfg") { ... on Blob { text } } '
        'x: object(expression: "HEAD:no/such/file") { oid } '
        'c: object(expression: "v1.0.0") { __typename ... on Commit { tree { oid } } } '
        'u: object(oid: "0000000000000000000000000000000000000000") { oid } } }',
    ).json()
    found = by_expression["data"]["r"]
    assert found["d"]["entries"] == [{"name": "core", "path": "packages/core", "type": "tree"}]
    assert found["f"]["text"] == "[metadata]\nname = acme-widget\n"
    assert found["x"] is None and found["u"] is None and "errors" not in by_expression
    assert found["c"] == {"__typename": "Commit", "tree": {"oid": rest["sha"]}}


def test_blob_texts_equal_the_rest_blobs(gh: httpx.Client) -> None:
    rest = gh.get("/repos/acme/widget/git/trees/main", params={"recursive": "1"}).json()
    texts = {e["sha"]: e["path"] for e in rest["tree"] if e["path"] in ("setup.cfg", "package.json")}
    body = _ask(gh, ("acme", "widget"), selection=q.blobs(texts))
    answers = [body["data"]["r0"][f"b{i}"] for i in range(len(texts))]
    for sha, blob in zip(texts, answers, strict=True):
        content = base64.b64decode(gh.get(f"/repos/acme/widget/git/blobs/{sha}").json()["content"])
        assert blob == {
            "oid": sha,
            "byteSize": len(content),
            "isBinary": False,
            "isTruncated": False,
            "text": content.decode(),
        }
    assert body["data"]["rateLimit"]["cost"] == 1


def test_blob_text_is_cut_at_512000_bytes(gh: httpx.Client) -> None:
    data = BIG_TEXT.encode()
    (blob,) = _ask(gh, ("acme", "widget"), selection=q.blobs([blob_sha(data)]))["data"]["r0"].values()
    assert (blob["byteSize"], blob["isBinary"], blob["isTruncated"]) == (len(data), False, True)
    assert blob["text"] == "a" * (TEXT_LIMIT - 1), "the character the cut falls in is dropped"


@pytest.mark.parametrize("content", [b"abc\x00def", INVALID_UTF8])
def test_binary_blobs_have_no_text(gh: httpx.Client, content: bytes) -> None:
    (blob,) = _ask(gh, ("acme", "widget"), selection=q.blobs([blob_sha(content)]))["data"]["r0"].values()
    assert blob == {
        "oid": blob_sha(content),
        "byteSize": len(content),
        "isBinary": True,
        "isTruncated": False,
        "text": None,
    }


def test_unknown_objects_and_blobs_of_other_repositories_are_null(gh: httpx.Client) -> None:
    cargo = blob_sha(b'[package]\nname = "solo-tool"\n')
    body = _ask(gh, ("acme", "widget"), ("solo", "tool"), selection=q.blobs([cargo]))
    assert body["data"]["r0"] == {"b0": None}
    assert body["data"]["r1"]["b0"]["text"].startswith("[package]")


# -- validation ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("x", "Field 'x' doesn't exist on type 'Repository'"),
        ("owner { __typename nope }", "Field 'nope' doesn't exist on type 'RepositoryOwner'"),
        ("owner", "Field must have selections (field 'owner' returns RepositoryOwner but has no selections."),
        ("name { x }", "Selections can't be made on scalars (field 'name' returns String but has selections"),
        ("releases { totalCount }", "You must provide a `first` or `last` value to properly paginate"),
        (
            "releases(first: 101) { totalCount }",
            "Requesting 101 records on the `releases` connection exceeds the `first` limit of 100 records.",
        ),
        ('releases(first: "3") { totalCount }', "Argument 'first' on Field 'releases' has an invalid value"),
        (
            "releases(first: 1, orderBy: {field: UPDATED_AT, direction: DESC}) { totalCount }",
            "Argument 'orderBy' on Field 'releases' has an invalid value",
        ),
        ("releases(first: 1, colour: 2) { totalCount }", "Field 'releases' doesn't accept argument 'colour'"),
        (
            'object(oid: "1") { ... on Issue { id } }',
            "No such type Issue, so it can't be a fragment condition",
        ),
        ('object(oid: "1") { ... on User { id } }', "Fragment on User can't be spread inside GitObject"),
    ],
)
def test_invalid_queries_answer_errors_and_no_data(gh: httpx.Client, selection: str, message: str) -> None:
    body = _ask(gh, ("acme", "widget"), selection=selection)
    assert "data" not in body
    assert any(message in error["message"] for error in body["errors"]), body
    assert all(error["locations"] for error in body["errors"])


def test_unknown_field_error_shape(gh: httpx.Client) -> None:
    body = _post(gh, '{ r0: repository(owner: "acme", name: "widget") { x } }').json()
    assert body == {
        "errors": [
            {
                "message": "Field 'x' doesn't exist on type 'Repository'",
                "locations": [{"line": 1, "column": 51}],
                "path": ["query", "r0", "x"],
                "extensions": {"code": "undefinedField"},
            }
        ]
    }
    missing = _post(gh, '{ repository(owner: "acme") { id } }').json()
    assert missing["errors"][0]["message"] == "Field 'repository' is missing required arguments: name"


def test_every_schema_field_has_a_resolver() -> None:
    assert resolved_fields() == {(t, name) for t, fields in OBJECTS.items() for name in fields}


# -- points, budget, headers ---------------------------------------------------------------------------------
def _cost(api: httpx.Client, aliases: int, selection: str) -> int:
    body = _ask(api, *[("acme", "widget")] * aliases, selection=selection)
    assert "errors" not in body, body
    cost: int = body["data"]["rateLimit"]["cost"]
    return cost


def test_points_as_github_counts_them(
    gh: httpx.Client, server: EmulatorServer, emulator_factory: EmulatorFactory
) -> None:
    assert _cost(gh, 50, q.METADATA) == 1  # 50 requests
    assert _cost(gh, 149, q.METADATA) == 1  # 149 requests round down
    assert _cost(gh, 150, q.METADATA) == 2  # 150 round up
    assert _cost(gh, 3, q.releases(10)) == 1  # 3 × 11 requests
    assert _cost(gh, 20, q.tree("0" * 40)) == 1  # no connection
    assert _cost(gh, 1, q.blobs(["0" * 40] * 100)) == 1
    assert _cost(gh, 49, q.releases(100)) == 49  # 49 × 101 requests, 494,900 nodes
    stats = server.stats()["github"]
    assert stats["graphql_points"] == stats["rate_limit_cost"] == 1 + 1 + 2 + 1 + 1 + 1 + 49
    assert stats["by_route"] == {"/graphql": 7}
    roomy = emulator_factory(tiny_world(), limits=Limits(github_graphql_max_nodes=10**8))
    with github(roomy) as api:
        assert _cost(api, 300, q.releases(100)) == 303  # 300 × (1 + 100) requests
        assert api.get("/rate_limit").json()["resources"]["graphql"]["used"] == 303


def test_queries_over_500000_nodes_are_refused_uncharged(gh: httpx.Client, server: EmulatorServer) -> None:
    body = _ask(gh, *[("acme", "widget")] * 50, selection=q.releases(100))
    assert body == {
        "errors": [
            {
                "type": "MAX_NODE_LIMIT_EXCEEDED",
                "message": "By the time this query traverses to the releaseAssets connection, it is "
                "requesting up to 505,000 possible nodes which exceeds the maximum limit of 500,000.",
            }
        ]
    }
    assert server.stats()["github"]["graphql_points"] == 0


def test_graphql_has_its_own_budget_and_headers(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), limits=Limits(github_graphql_points_per_hour=3))
    with github(server) as api, github(server, token="other") as other:
        first = _post(api, q.document([("r0", q.repository("acme", "widget", q.METADATA))]))
        headers = first.headers
        assert (headers["x-ratelimit-limit"], headers["x-ratelimit-remaining"]) == ("3", "2")
        assert (headers["x-ratelimit-used"], headers["x-ratelimit-resource"]) == ("1", "graphql")
        assert "etag" not in headers
        assert first.json()["data"]["rateLimit"]["remaining"] == 2
        reset = int(headers["x-ratelimit-reset"])
        assert first.json()["data"]["rateLimit"]["resetAt"].endswith("Z")
        _post(api, "{ rateLimit { cost } }")
        rest = api.get("/repos/acme/widget")
        assert (rest.headers["x-ratelimit-resource"], rest.headers["x-ratelimit-used"]) == ("core", "1")
        status = api.get("/rate_limit").json()["resources"]
        assert status["graphql"] == {"limit": 3, "used": 2, "remaining": 1, "reset": reset}
        too_big = _ask(api, *[("acme", "widget")] * 150, selection=q.METADATA)  # 2 points, 1 left
        assert too_big == {
            "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
        }
        _post(api, "{ rateLimit { cost } }")
        spent = _post(api, "{ rateLimit { cost } }")
        assert spent.json()["errors"][0]["type"] == "RATE_LIMITED" and "data" not in spent.json()
        assert (spent.headers["x-ratelimit-remaining"], spent.headers["x-ratelimit-reset"]) == (
            "0",
            str(reset),
        )
        assert _post(other, "{ rateLimit { remaining } }").json()["data"]["rateLimit"]["remaining"] == 2
    assert server.stats()["github"]["graphql_points"] == 4


def test_graphql_requires_a_token(gh: httpx.Client, server: EmulatorServer) -> None:
    with github(server, token=None) as anonymous:
        answer = anonymous.post("/graphql", json={"query": "{ rateLimit { cost } }"})
        assert answer.status_code == 401
        assert answer.json()["message"] == "This endpoint requires you to be authenticated."
        assert anonymous.get("/rate_limit").json()["resources"]["graphql"]["limit"] == 0
    assert gh.post("/graphql", content=b"{not json").status_code == 400
    assert _post(gh, "").json()["errors"][0]["message"].startswith("Parse error on end of input")
    no_query = gh.post("/graphql", json={"variables": {}})
    assert no_query.json() == {
        "errors": [{"message": "A query attribute must be specified and must be a string."}]
    }
    assert gh.get("/graphql").status_code == 404
    assert server.stats()["github"]["by_route"]["/graphql"] == 4


def test_faults_apply_to_graphql(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {"github": {"error_rate": 1}})
    with github(server) as api:
        answer = api.post("/graphql", json={"query": "{ rateLimit { cost } }"})
        assert answer.status_code in (500, 502, 503)
        assert answer.json()["message"] == "Server Error"
        assert answer.headers["x-ratelimit-resource"] == "graphql"
        server.set_faults({"github": {"rate_limit": {"after": 0, "status": 429, "retry_after_s": 30}}})
        limited = api.post("/graphql", json={"query": "{ rateLimit { cost } }"})
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "30")
        assert limited.headers["x-ratelimit-remaining"] == "0"
        server.set_faults({"github": {"malformed_rate": 1}})
        cut = api.post("/graphql", json={"query": "{ rateLimit { cost } }"})
        assert cut.status_code == 200
        with pytest.raises(ValueError):
            cut.json()
    stats = server.stats()["github"]
    assert stats["by_route"] == {"/graphql": 3}
    assert stats["graphql_points"] == 1, "only the malformed answer ran, and was charged"


def test_the_cli_unlimited_limits_lift_the_graphql_budget() -> None:
    from distscout.emulator.cli import UNLIMITED

    assert UNLIMITED.github_graphql_points_per_hour >= 10**12
    assert UNLIMITED.github_graphql_max_nodes == 500_000, (
        "the node limit is GitHub's shape rule, not a budget"
    )


def test_world_folder_fixture_has_the_binary_file(server: EmulatorServer) -> None:
    repo = server.emulator.world.repos_by_key["acme/widget"]
    assert repo.tree.content("bin/logo.png") == INVALID_UTF8
