"""The slice of GitHub's GraphQL schema the emulator answers, the static checks GitHub runs before it executes
a query, and the query's cost in points (upstream-apis.md §3.7).

Validation finds what graphql-ruby reports before execution: unknown fields, arguments and types, selections
on scalars, objects without selections, wrongly typed argument values, connections without a valid
`first`/`last` (1–100), and one response key (an alias) given to different fields or to one field with
different arguments. Any of these: an `errors` list and no `data` (tests/contracts compares the refusals
with graphql-core's over GitHub's published schema).

Cost, as GitHub counts it: every connection (a field taking `first`/`last`) needs one request for each node
of the connections above it, i.e. the product of their `first`/`last` values; points are the sum divided by
100, rounded, at least 1. Nodes: each connection may return up to that product times its own `first`; a
query may ask for at most 500,000 (`Limits.github_graphql_max_nodes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from distscout.emulator.graphql_parse import EnumValue, Field, InlineFragment, Selection, Value

MAX_PAGE = 100  # `first`/`last` bound on every connection


@dataclass(frozen=True, slots=True)
class FieldDef:
    type: str  # the named type, e.g. "Repository" or "String"
    is_list: bool
    args: Mapping[str, str]  # argument name -> type, e.g. {"owner": "String!"}
    connection: bool

    def required(self) -> list[str]:
        return [name for name, kind in self.args.items() if kind.endswith("!")]

    def spelled(self) -> str:
        return f"[{self.type}]" if self.is_list else self.type


def _field(spec: str, args: str = "") -> FieldDef:
    is_list = spec.startswith("[")
    parsed = dict(part.split(": ") for part in args.split(", ")) if args else {}
    return FieldDef(spec.strip("[]!"), is_list, parsed, "first" in parsed)


_PAGING = "first: Int, last: Int, after: String, before: String"
_GIT_OBJECT = {"oid": _field("GitObjectID"), "abbreviatedOid": _field("String")}
_OWNER = {"id": _field("ID"), "login": _field("String"), "url": _field("URI")}

OBJECTS: dict[str, dict[str, FieldDef]] = {
    "Query": {
        "repository": _field("Repository", "owner: String!, name: String!, followRenames: Boolean"),
        "rateLimit": _field("RateLimit", "dryRun: Boolean"),
    },
    "RateLimit": {
        name: _field("DateTime" if name == "resetAt" else "Int")
        for name in ("cost", "limit", "nodeCount", "remaining", "resetAt", "used")
    },
    "Repository": {
        "id": _field("ID"),
        "databaseId": _field("Int"),
        "name": _field("String"),
        "nameWithOwner": _field("String"),
        "url": _field("URI"),
        "isArchived": _field("Boolean"),
        "isEmpty": _field("Boolean"),
        "isFork": _field("Boolean"),
        "isPrivate": _field("Boolean"),
        "owner": _field("RepositoryOwner"),
        "defaultBranchRef": _field("Ref"),
        "releases": _field("ReleaseConnection", f"{_PAGING}, orderBy: ReleaseOrder"),
        "object": _field("GitObject", "oid: GitObjectID, expression: String"),
    },
    "User": _OWNER,
    "Organization": _OWNER,
    "Ref": {"name": _field("String"), "prefix": _field("String"), "target": _field("GitObject")},
    "Commit": {**_GIT_OBJECT, "tree": _field("Tree")},
    "Tree": {**_GIT_OBJECT, "entries": _field("[TreeEntry]")},
    "TreeEntry": {
        "name": _field("String"),
        "path": _field("String"),
        "type": _field("String"),
        "mode": _field("Int"),
        "oid": _field("GitObjectID"),
        "size": _field("Int"),
        "object": _field("GitObject"),
    },
    "Blob": {
        **_GIT_OBJECT,
        "byteSize": _field("Int"),
        "isBinary": _field("Boolean"),
        "isTruncated": _field("Boolean"),
        "text": _field("String"),
    },
    "ReleaseConnection": {
        "totalCount": _field("Int"),
        "nodes": _field("[Release]"),
        "pageInfo": _field("PageInfo"),
    },
    "Release": {
        "id": _field("ID"),
        "databaseId": _field("Int"),
        "name": _field("String"),
        "tagName": _field("String"),
        "isDraft": _field("Boolean"),
        "isPrerelease": _field("Boolean"),
        "createdAt": _field("DateTime"),
        "publishedAt": _field("DateTime"),
        "updatedAt": _field("DateTime"),
        "url": _field("URI"),
        "releaseAssets": _field("ReleaseAssetConnection", f"{_PAGING}, name: String"),
    },
    "ReleaseAssetConnection": {
        "totalCount": _field("Int"),
        "nodes": _field("[ReleaseAsset]"),
        "pageInfo": _field("PageInfo"),
    },
    "ReleaseAsset": {"id": _field("ID"), "name": _field("String"), "downloadUrl": _field("URI")},
    "PageInfo": {
        "hasNextPage": _field("Boolean"),
        "hasPreviousPage": _field("Boolean"),
        "startCursor": _field("String"),
        "endCursor": _field("String"),
    },
}
INTERFACES: dict[str, tuple[dict[str, FieldDef], frozenset[str]]] = {
    "RepositoryOwner": (_OWNER, frozenset({"User", "Organization"})),
    "GitObject": (_GIT_OBJECT, frozenset({"Commit", "Tree", "Blob"})),
}
SCALARS = frozenset({"String", "Int", "Boolean", "ID", "URI", "DateTime", "GitObjectID"})
ENUM_INPUTS = {
    "ReleaseOrderField": frozenset({"CREATED_AT", "NAME"}),
    "OrderDirection": frozenset({"ASC", "DESC"}),
}
INPUT_OBJECTS = {"ReleaseOrder": {"field": "ReleaseOrderField!", "direction": "OrderDirection!"}}


def fields_of(type_name: str) -> dict[str, FieldDef]:
    return OBJECTS[type_name] if type_name in OBJECTS else INTERFACES[type_name][0]


def possible_types(type_name: str) -> frozenset[str]:
    return INTERFACES[type_name][1] if type_name in INTERFACES else frozenset({type_name})


def error(message: str, at: Field | InlineFragment, path: Iterable[str], code: str) -> dict[str, Any]:
    return {
        "message": message,
        "locations": [{"line": at.line, "column": at.column}],
        "path": list(path),
        "extensions": {"code": code},
    }


def validate(selections: tuple[Selection, ...]) -> list[dict[str, Any]]:
    """Every static error in a query, in document order (empty when the query may run)."""
    errors: list[dict[str, Any]] = []
    _check_selections(selections, "Query", ["query"], errors)
    if not errors:  # fields that exist: can those answering under one key be merged?
        _check_merging(selections, "Query", ["query"], errors)
    return errors


def _check_merging(
    selections: Iterable[Selection], parent: str, path: list[str], errors: list[dict[str, Any]]
) -> None:
    """GraphQL's "fields can be merged" rule, as graphql-ruby reports it (`fieldConflict`): fields under one
    response key must be the same field with the same arguments, unless they sit on different object types
    (fragments on Tree and Blob may both say `oid`); their selections are merged and checked in turn."""
    by_key: dict[str, list[tuple[str, Field]]] = {}
    _group(selections, parent, by_key)
    for key, fields in by_key.items():
        first_parent, first = fields[0]
        for other_parent, other in fields[1:]:
            if first_parent != other_parent and first_parent in OBJECTS and other_parent in OBJECTS:
                continue
            if first.name != other.name:
                conflict, kind = f"{first.name} or {other.name}", "a field"
            elif dict(first.arguments) != dict(other.arguments):
                conflict, kind = (
                    f"{_show(dict(first.arguments))} or {_show(dict(other.arguments))}",
                    "an argument",
                )
            else:
                continue
            problem = error(
                f"Field '{key}' has {kind} conflict: {conflict}?", other, [*path, key], "fieldConflict"
            )
            problem["extensions"].update(fieldName=key, conflicts=conflict)
            errors.append(problem)
            break
        else:
            definition = fields_of(first_parent).get(first.name)
            inner = [selection for _, field in fields for selection in field.selections]
            if definition is not None and inner:
                _check_merging(inner, definition.type, [*path, key], errors)


def _group(selections: Iterable[Selection], parent: str, by_key: dict[str, list[tuple[str, Field]]]) -> None:
    for selection in selections:
        if isinstance(selection, InlineFragment):
            _group(selection.selections, selection.type_condition or parent, by_key)
        elif selection.name != "__typename" or selection.key != "__typename":
            by_key.setdefault(selection.key, []).append((parent, selection))


def _check_selections(
    selections: tuple[Selection, ...], parent: str, path: list[str], errors: list[dict[str, Any]]
) -> None:
    for selection in selections:
        if isinstance(selection, InlineFragment):
            _check_fragment(selection, parent, path, errors)
            continue
        here = [*path, selection.key]
        if selection.name == "__typename":
            if selection.arguments or selection.selections:
                message = "Field '__typename' takes no arguments or selections"
                errors.append(error(message, selection, here, "selectionMismatch"))
            continue
        definition = fields_of(parent).get(selection.name)
        if definition is None:
            message = f"Field '{selection.name}' doesn't exist on type '{parent}'"
            errors.append(error(message, selection, here, "undefinedField"))
            continue
        _check_arguments(selection, definition, here, errors)
        if definition.type in SCALARS and selection.selections:
            keys = [s.key if isinstance(s, Field) else "..." for s in selection.selections]
            message = (
                f"Selections can't be made on scalars (field '{selection.name}' returns "
                f"{definition.spelled()} but has selections {keys})"
            )
            errors.append(error(message, selection, here, "selectionMismatch"))
        elif definition.type not in SCALARS and not selection.selections:
            message = (
                f"Field must have selections (field '{selection.name}' returns {definition.spelled()} "
                f"but has no selections. Did you mean '{selection.name} {{ ... }}'?)"
            )
            errors.append(error(message, selection, here, "selectionMismatch"))
        elif selection.selections:
            _check_selections(selection.selections, definition.type, here, errors)


def _check_fragment(
    fragment: InlineFragment, parent: str, path: list[str], errors: list[dict[str, Any]]
) -> None:
    condition = fragment.type_condition or parent
    here = [*path, f"... on {condition}"]
    if condition not in OBJECTS and condition not in INTERFACES:
        message = f"No such type {condition}, so it can't be a fragment condition"
        errors.append(error(message, fragment, here, "undefinedType"))
    elif not possible_types(condition) & possible_types(parent):
        message = f"Fragment on {condition} can't be spread inside {parent}"
        errors.append(error(message, fragment, here, "fragmentSpreadTypeMismatch"))
    else:
        _check_selections(fragment.selections, condition, here, errors)


def _check_arguments(
    selection: Field, definition: FieldDef, path: list[str], errors: list[dict[str, Any]]
) -> None:
    for name, value in selection.arguments.items():
        kind = definition.args.get(name)
        if kind is None:
            message = f"Field '{selection.name}' doesn't accept argument '{name}'"
            errors.append(error(message, selection, path, "argumentNotAccepted"))
        elif not _fits(value, kind):
            message = (
                f"Argument '{name}' on Field '{selection.name}' has an invalid value ({_show(value)}). "
                f"Expected type '{kind}'."
            )
            errors.append(error(message, selection, path, "argumentLiteralsIncompatible"))
    missing = [name for name in definition.required() if name not in selection.arguments]
    if missing:
        message = f"Field '{selection.name}' is missing required arguments: {', '.join(missing)}"
        errors.append(error(message, selection, path, "missingRequiredArguments"))
    if definition.connection:
        sizes = _page_size_errors(selection, path)
        errors.extend(sizes)
        if not sizes and "first" not in selection.arguments and "last" not in selection.arguments:
            message = (
                "You must provide a `first` or `last` value to properly paginate the "
                f"`{selection.name}` connection."
            )
            errors.append(error(message, selection, path, "missingPaginationBoundaries"))


def _page_size_errors(selection: Field, path: list[str]) -> list[dict[str, Any]]:
    found = []
    for bound in ("first", "last"):
        size = selection.arguments.get(bound)
        if isinstance(size, int) and not isinstance(size, bool) and not 1 <= size <= MAX_PAGE:
            message = (
                f"Requesting {size} records on the `{selection.name}` connection exceeds the `{bound}` limit "
                f"of {MAX_PAGE} records."
                if size > MAX_PAGE
                else f"`{bound}` on the `{selection.name}` connection cannot be less than 1."
            )
            found.append(error(message, selection, path, "pageSizeOutOfBounds"))
    return found


def _fits(value: Value, kind: str) -> bool:
    name = kind.rstrip("!")
    if value is None:
        return not kind.endswith("!")
    if name in ("String", "GitObjectID", "ID"):
        return isinstance(value, str)
    if name == "Int":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31
    if name == "Boolean":
        return isinstance(value, bool)
    if name in ENUM_INPUTS:
        return isinstance(value, EnumValue) and value.name in ENUM_INPUTS[name]
    shape = INPUT_OBJECTS[name]
    return (
        isinstance(value, Mapping)
        and set(value) <= set(shape)
        and all(_fits(value.get(key), inner) for key, inner in shape.items())
    )


def _show(value: Value) -> str:
    if isinstance(value, EnumValue):
        return value.name
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_show(inner)}" for key, inner in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value + '"'
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


@dataclass(frozen=True, slots=True)
class Cost:
    requests: int  # connection requests, GitHub's intermediate count
    nodes: int  # the most nodes the connections may return
    over_at: str | None  # the connection at which the nodes first exceed the limit, if they do

    @property
    def points(self) -> int:
        return max(1, (self.requests + 50) // 100)


def cost(selections: tuple[Selection, ...], node_limit: int) -> Cost:
    """Requests and nodes of a validated query (every connection has a valid `first` or `last`)."""
    totals = [0, 0]
    over_at: list[str] = []

    def walk(items: tuple[Selection, ...], parent: str, multiplier: int) -> None:
        for item in items:
            if isinstance(item, InlineFragment):
                walk(item.selections, item.type_condition or parent, multiplier)
                continue
            definition = fields_of(parent).get(item.name)
            if definition is None:
                continue  # __typename
            inner = multiplier
            if definition.connection:
                page = item.arguments.get("first", item.arguments.get("last"))
                inner = multiplier * (page if isinstance(page, int) else MAX_PAGE)
                totals[0] += multiplier
                totals[1] += inner
                if totals[1] > node_limit and not over_at:
                    over_at.append(item.name)
            if item.selections:
                walk(item.selections, definition.type, inner)

    walk(selections, "Query", 1)
    return Cost(totals[0], totals[1], over_at[0] if over_at else None)
