"""GraphQL documents and answers held to GitHub's schema (official.graphql_schema).

- `limits`: a document's worst case by GitHub's documented formula — every connection (a field taking
  `first`/`last`) may return its `first` times the `first` of each connection above it; the sum is the node
  count (at most 500,000). The rate-limit cost adds, per connection, the requests it needs (the product of
  the `first` above it), divides by 100 and rounds, at least 1 point. `first`/`last` must be 1..100.
- `answer_problems`: an answer's `data` executed against the schema with resolvers that read the answer
  itself: graphql-core then checks every field's existence, nullability, list shape and built-in scalar,
  and the result must equal the answer (no field the query did not ask).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import graphql
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
)

from tests.contracts.official import graphql_schema

MAX_NODES = 500_000
MAX_PAGE = 100
_CUSTOM_SCALARS = {
    "DateTime": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"),
    "GitObjectID": re.compile(r"[0-9a-f]{40}"),
    "URI": re.compile(r"[a-z][a-z0-9+.-]*://\S+"),
}


@dataclass
class Limits:
    nodes: int = 0
    requests: int = 0
    bad_pages: list[str] = field(default_factory=list)

    @property
    def points(self) -> int:
        return max(1, int(self.requests / 100 + 0.5))


def limits(text: str, schema: GraphQLSchema | None = None) -> Limits:
    schema = schema or graphql_schema()
    found = Limits()
    definitions = graphql.parse(text).definitions
    (operation,) = [d for d in definitions if isinstance(d, graphql.OperationDefinitionNode)]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    query = schema.query_type
    assert query is not None

    def walk(selections: SelectionSetNode, parent: Any, multiplier: int) -> None:
        for selection in selections.selections:
            if isinstance(selection, FragmentSpreadNode):  # counted wherever it is spread
                fragment = fragments[selection.name.value]
                walk(fragment.selection_set, schema.get_type(fragment.type_condition.name.value), multiplier)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_type = schema.get_type(condition.name.value) if condition else parent
                walk(selection.selection_set, inner_type, multiplier)
                continue
            assert isinstance(selection, FieldNode)
            definition = parent.fields.get(selection.name.value) if hasattr(parent, "fields") else None
            if definition is None:
                continue  # __typename
            inner = multiplier
            arguments = selection.arguments or ()
            pages = {a.name.value: a.value for a in arguments if a.name.value in ("first", "last")}
            if "first" in definition.args or "last" in definition.args:
                size = next((int(v.value) for v in pages.values() if isinstance(v, IntValueNode)), None)
                if size is None or not 1 <= size <= MAX_PAGE:
                    found.bad_pages.append(f"{selection.name.value}: first/last {size}")
                    size = MAX_PAGE
                found.requests += multiplier
                inner = multiplier * size
                found.nodes += inner
            if selection.selection_set is not None:
                walk(selection.selection_set, graphql.get_named_type(definition.type), inner)

    walk(operation.selection_set, query, 1)
    return found


def _keys(
    selections: SelectionSetNode,
    candidate: GraphQLObjectType,
    schema: GraphQLSchema,
    fragments: dict[str, FragmentDefinitionNode],
) -> set[str]:
    """The response keys a selection set yields on an object of type `candidate`."""
    keys: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            keys.add(selection.alias.value if selection.alias else selection.name.value)
        elif isinstance(selection, InlineFragmentNode | FragmentSpreadNode):
            if isinstance(selection, FragmentSpreadNode):
                selection = fragments[selection.name.value]  # noqa: PLW2901 - its definition stands for it
            named = selection.type_condition
            condition = schema.get_type(named.name.value) if named else None
            applies = condition is None or condition is candidate
            if isinstance(condition, GraphQLInterfaceType):
                applies = schema.is_sub_type(condition, candidate)
            if applies:
                keys |= _keys(selection.selection_set, candidate, schema, fragments)
    return keys


def answer_problems(text: str, data: Any, schema: GraphQLSchema | None = None) -> list[str]:
    schema = schema or graphql_schema()
    problems: list[str] = []

    def read(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
        key = info.path.key
        if not isinstance(source, dict) or key not in source:
            raise ValueError(f"the answer has no {key!r}")
        value = source[key]
        named = graphql.get_named_type(info.return_type)
        pattern = _CUSTOM_SCALARS.get(named.name)
        if (
            pattern is not None
            and value is not None
            and not (isinstance(value, str) and pattern.fullmatch(value))
        ):
            problems.append(f"{'/'.join(map(str, info.path.as_list()))}: {value!r} is no {named.name}")
        builtin = {"String": str, "Boolean": bool, "ID": str}.get(named.name)
        if builtin is not None and value is not None and not isinstance(value, builtin):
            problems.append(f"{'/'.join(map(str, info.path.as_list()))}: {value!r} is no {named.name}")
        return value

    def resolve_type(value: Any, info: GraphQLResolveInfo, abstract: Any) -> str | None:
        if isinstance(value, dict) and "__typename" in value:
            return str(value["__typename"])
        for candidate in schema.get_possible_types(abstract):
            keys: set[str] = set()
            for node in info.field_nodes:
                if node.selection_set is not None:
                    keys |= _keys(node.selection_set, candidate, schema, info.fragments)
            if isinstance(value, dict) and keys == set(value):
                return candidate.name
        problems.append(f"{'/'.join(map(str, info.path.as_list()))}: no {abstract.name} answers {value!r}")
        return None

    result = graphql.execute(
        schema, graphql.parse(text), root_value=data, field_resolver=read, type_resolver=resolve_type
    )
    executed = result if isinstance(result, graphql.ExecutionResult) else None
    if executed is None:
        return ["execution did not finish synchronously"]
    problems += [f"{'/'.join(map(str, e.path or []))}: {e.message}" for e in executed.errors or []]
    if executed.data != data:
        problems.append("the answer has fields the query did not ask for, or differs from the schema's types")
    return problems
