"""The GraphQL documents distscout builds: each carries the fragments its aliases spread, and only those
(GitHub refuses a fragment defined and not spread), checked by graphql-core over GitHub's schema."""

from __future__ import annotations

import graphql
import pytest

from distscout.sources import github_queries as q
from tests.contracts.official import graphql_schema

OID = "0" * 40


def _fragments(document: str) -> list[str]:
    parsed = graphql.parse(document)
    assert not graphql.validate(graphql_schema(), parsed)
    return [d.name.value for d in parsed.definitions if isinstance(d, graphql.FragmentDefinitionNode)]


def test_a_document_defines_what_its_aliases_spread_once_each() -> None:
    trees = q.document((f"r{i}", q.repository("acme", f"w{i}", q.tree(OID))) for i in range(3))
    assert sorted(_fragments(trees)) == sorted(f"TreeEntries{n}" for n in range(1, q.TREE_DEPTH + 1))
    shallow = q.document([("r0", q.repository("acme", "w", q.tree(OID, depth=2)))])
    assert _fragments(shallow) == ["TreeEntries2", "TreeEntries1"]
    metadata = q.document([("r0", q.repository("acme", "w", q.METADATA))])
    assert _fragments(metadata) == ["RepositoryMetadata"]
    assert _fragments(q.document([("r0", q.repository("acme", "w", q.blobs([OID])))])) == []


def test_a_name_that_looks_like_a_spread_spreads_nothing() -> None:
    for name in ("x...RepositoryMetadata", 'a"...TreeEntries1', "...TreeEntries9"):
        document = q.document([("r0", q.repository("acme", name, q.blobs([OID])))])
        assert _fragments(document) == [], name


@pytest.mark.parametrize("depth", [0, q.TREE_DEPTH + 1])
def test_a_tree_is_read_at_most_as_deep_as_its_fragments_go(depth: int) -> None:
    with pytest.raises(ValueError, match="levels deep"):
        q.tree(OID, depth)
