"""A GraphQL query's cost in points, as GitHub counts it (upstream-apis.md §3.7).

Every connection (a field taking `first`/`last`) needs one request for each node of the connections above
it, i.e. the product of their `first`/`last` values; points are the sum divided by 100, rounded, at least 1.
Nodes: each connection may return up to that product times its own `first`; a query may ask for at most
500,000 (`Limits.github_graphql_max_nodes`). A fragment counts wherever it is spread.

Both counts are linear in the product above a selection set, so a fragment's is worked out once, at 1, and
multiplied where it is spread: a batch spreads one fragment under each of its aliases.
"""

from __future__ import annotations

from dataclasses import dataclass

from distscout.emulator.graphql_parse import Document, Field, FragmentSpread, InlineFragment, Selection
from distscout.emulator.graphql_schema import MAX_PAGE, Fragments, fields_of, fragments_of


@dataclass(frozen=True, slots=True)
class Cost:
    requests: int  # connection requests, GitHub's intermediate count
    nodes: int  # the most nodes the connections may return
    over_at: str | None  # the connection at which the nodes first exceed the limit, if they do

    @property
    def points(self) -> int:
        return max(1, (self.requests + 50) // 100)


def cost(document: Document, node_limit: int) -> Cost:
    """Requests and nodes of a validated query (every connection has a valid `first` or `last`)."""
    fragments = fragments_of(document)
    requests, nodes = _Counts(fragments).of(document.selections, "Query")
    over_at = _over_at(document.selections, fragments, node_limit) if nodes > node_limit else None
    return Cost(requests, nodes, over_at)


def _page(item: Field) -> int:
    page = item.arguments.get("first", item.arguments.get("last"))
    return page if isinstance(page, int) else MAX_PAGE


class _Counts:
    def __init__(self, fragments: Fragments) -> None:
        self.fragments = fragments
        self.spread: dict[str, tuple[int, int]] = {}  # a fragment's (requests, nodes) at 1

    def of(self, items: tuple[Selection, ...], parent: str) -> tuple[int, int]:
        """(requests, nodes) of a selection set under connections whose product is 1."""
        requests = nodes = 0
        for item in items:
            if isinstance(item, FragmentSpread):
                counts = self.spread.get(item.name)
                if counts is None:
                    fragment = self.fragments[item.name]
                    counts = self.spread[item.name] = self.of(fragment.selections, fragment.type_condition)
            elif isinstance(item, InlineFragment):
                counts = self.of(item.selections, item.type_condition or parent)
            else:
                definition = fields_of(parent).get(item.name)
                if definition is None:
                    continue  # __typename
                page = _page(item) if definition.connection else 1
                inner = self.of(item.selections, definition.type) if item.selections else (0, 0)
                connection = (1, page) if definition.connection else (0, 0)
                counts = (connection[0] + page * inner[0], connection[1] + page * inner[1])
            requests, nodes = requests + counts[0], nodes + counts[1]
        return requests, nodes


def _over_at(selections: tuple[Selection, ...], fragments: Fragments, node_limit: int) -> str | None:
    """The connection at which the nodes, counted in document order, first exceed the limit (a query that
    will be refused: walked whole, each spread again)."""
    nodes = [0]

    def walk(items: tuple[Selection, ...], parent: str, multiplier: int) -> str | None:
        for item in items:
            found = None
            if isinstance(item, FragmentSpread):
                fragment = fragments[item.name]
                found = walk(fragment.selections, fragment.type_condition, multiplier)
            elif isinstance(item, InlineFragment):
                found = walk(item.selections, item.type_condition or parent, multiplier)
            elif (definition := fields_of(parent).get(item.name)) is not None:
                inner = multiplier
                if definition.connection:
                    inner = multiplier * _page(item)
                    nodes[0] += inner
                    if nodes[0] > node_limit:
                        return item.name
                if item.selections:
                    found = walk(item.selections, definition.type, inner)
            if found is not None:
                return found
        return None

    return walk(selections, "Query", 1)
