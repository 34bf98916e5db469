"""Every GraphQL document distscout's GitHub clients build, at the largest batch the code allows, validates
against GitHub's schema (`@octokit/graphql-schema`), stays under GitHub's node limit, costs what the README
says, and the emulator's answer to it fits the schema and reports that cost."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import graphql
import pytest

from distscout.sources import github_queries as q
from distscout.sources.github_graphql import LANES, MAX_ALIASES, MAX_NODES
from distscout.sources.github_manifests_graphql import BLOBS_PER_QUESTION
from distscout.sources.github_repo import metadata_field
from tests.contracts.drive import contract_world, refs
from tests.contracts.graphql_contract import MAX_NODES as GITHUB_MAX_NODES
from tests.contracts.graphql_contract import answer_problems, limits
from tests.contracts.official import GRAPHQL_PACKAGE, graphql_schema, installed_version, pinned_version
from tests.contracts.recording import Exchange, recorded
from tests.sources.helpers import upstreams_for

RELEASES_WEIGHT = q.MAX_RELEASES * (1 + q.MAX_ASSETS)  # what github_releases asks a full question with


def _questions(world_repos: Any) -> dict[str, list[tuple[str, int]]]:
    """Per shape, the questions (field, weight) that fill one query as the lanes cap it."""
    widget = world_repos["acme/widget"]
    tree_oid = widget.tree.root_sha
    blobs = [entry.sha for entry in widget.tree.descendants("") if entry.type == "blob"]
    blob_oids = (blobs * BLOBS_PER_QUESTION)[:BLOBS_PER_QUESTION]
    names = [(r.owner, r.name) for r in refs()]

    def repo(i: int, selection: str) -> str:
        owner, name = names[i % len(names)]
        return q.repository(owner, name, selection)

    return {
        "metadata": [(metadata_field(refs()[i % len(names)]), 1) for i in range(LANES["metadata"])],
        "releases(100)": [
            (repo(i, q.releases(q.MAX_RELEASES)), RELEASES_WEIGHT)
            for i in range(LANES["releases"] // RELEASES_WEIGHT)
        ],
        "releases(1)": [
            (repo(i, q.releases(1)), 1 + q.MAX_ASSETS)
            for i in range(min(MAX_ALIASES, LANES["releases"] // (1 + q.MAX_ASSETS)))
        ],
        "tree": [(repo(0, q.tree(tree_oid)), 1) for _ in range(LANES["tree"])],
        "blobs(100 in one)": [(repo(0, q.blobs(blob_oids)), len(blob_oids))],
        "blobs(1 each)": [(repo(0, q.blobs(blob_oids[:1])), 1) for _ in range(LANES["blobs"])],
    }


async def _ask(server: Any, questions: dict[str, list[tuple[str, int]]]) -> None:
    async with upstreams_for(server) as upstreams:
        batcher = upstreams.graphql
        assert batcher is not None
        for lane_shape, asked in questions.items():
            lane = lane_shape.split("(")[0]
            await asyncio.gather(*(batcher.ask(lane, field, weight) for field, weight in asked))


@pytest.fixture(scope="module")
def batches() -> Iterator[dict[str, Exchange]]:
    """Each shape's query as the real GraphQLBatcher sent it, and the emulator's answer."""
    with recorded(contract_world()) as (server, recorder):
        questions = _questions(server.emulator.world.repos_by_key)
        asyncio.run(_ask(server, questions))
        sent = [e for e in recorder.of("github") if e.path == "/graphql"]
        assert len(sent) == len(questions), "each shape's questions went out as one query"
        yield dict(zip(questions, sent, strict=True))


def _document(exchange: Exchange) -> str:
    text: str = json.loads(exchange.request_body)["query"]
    return text


def _all_documents(batches: dict[str, Exchange], client_exchanges: list[Exchange]) -> list[Exchange]:
    return [*batches.values(), *(e for e in client_exchanges if e.path == "/graphql")]


def test_the_installed_schema_is_the_pinned_one() -> None:
    assert installed_version(GRAPHQL_PACKAGE) == pinned_version(GRAPHQL_PACKAGE)


def test_each_shape_fills_its_query(batches: dict[str, Exchange]) -> None:
    aliases = {shape: _document(e).count(": repository(") for shape, e in batches.items()}
    assert aliases == {
        "metadata": 50,
        "releases(100)": 44,
        "releases(1)": 100,  # capped by aliases (MAX_ALIASES), not by nodes
        "tree": 10,
        "blobs(100 in one)": 1,
        "blobs(1 each)": 100,
    }


def test_every_document_validates_against_githubs_schema(
    batches: dict[str, Exchange], client_exchanges: list[Exchange]
) -> None:
    schema = graphql_schema()
    for exchange in _all_documents(batches, client_exchanges):
        errors = graphql.validate(schema, graphql.parse(_document(exchange)))
        assert not errors, [e.message for e in errors[:5]]


def test_every_document_is_within_githubs_node_and_page_limits(
    batches: dict[str, Exchange], client_exchanges: list[Exchange]
) -> None:
    assert MAX_NODES <= GITHUB_MAX_NODES
    for exchange in _all_documents(batches, client_exchanges):
        found = limits(_document(exchange))
        assert not found.bad_pages
        assert found.nodes <= GITHUB_MAX_NODES, found


def test_the_costs_are_what_the_readme_says(batches: dict[str, Exchange]) -> None:
    points = {shape: limits(_document(e)).points for shape, e in batches.items()}
    assert points["metadata"] == 1  # "one query for up to 50 repositories, 1 point"
    assert points["tree"] == 1  # "no connection: 1 point a query"
    assert points["blobs(100 in one)"] == points["blobs(1 each)"] == 1  # "1 point for up to 100 blobs"
    # release assets: "(1 + releases) / 100 points each"
    assert points["releases(100)"] == round(44 * (1 + 100) / 100)
    assert points["releases(1)"] == round(100 * (1 + 1) / 100)


def test_the_largest_releases_batch_is_answered(batches: dict[str, Exchange]) -> None:
    # Capped by nodes only, 4,455 aliases of `releases(first: 1)` made a 1.02 MB document, over the
    # emulator's 1,000,000-character guard (graphql_parse.MAX_QUERY_CHARS); MAX_ALIASES bounds it now.
    assert batches["releases(1)"].json().get("data") is not None
    assert len(_document(batches["releases(1)"])) < 100_000


def test_the_emulator_charges_githubs_cost_and_answers_in_the_schemas_shape(
    batches: dict[str, Exchange], client_exchanges: list[Exchange]
) -> None:
    for exchange in _all_documents(batches, client_exchanges):
        answer = exchange.json()
        document = _document(exchange)
        assert answer.get("data") is not None, answer.get("errors")
        assert answer["data"]["rateLimit"]["cost"] == limits(document).points
        problems = answer_problems(document, answer["data"])
        assert not problems, problems[:5]
