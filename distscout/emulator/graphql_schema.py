"""The slice of GitHub's GraphQL schema the emulator answers, the static checks GitHub runs before it executes
a query (upstream-apis.md §3.7).

Validation finds what graphql-ruby reports before execution: unknown fields, arguments and types, selections
on scalars, objects without selections, wrongly typed argument values, connections without a valid
`first`/`last` (1–100), and one response key (an alias) given to different fields or to one field with
different arguments; and the named fragments' rules (graphql_fragments), a fragment's type that does not
exist, or a spread where its type cannot be. Any of these: an `errors` list and no `data` (tests/contracts
compares the refusals with graphql-core's over GitHub's published schema). A fragment's fields are checked
once, in its own type, however often it is spread.

The query's cost in points is graphql_cost's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from distscout.emulator.graphql_fragments import check_fragments, error
from distscout.emulator.graphql_parse import (
    Document,
    EnumValue,
    Field,
    FragmentDefinition,
    FragmentSpread,
    InlineFragment,
    Selection,
    Value,
)

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


Fragments = Mapping[str, FragmentDefinition]


def validate(document: Document) -> list[dict[str, Any]]:
    """Every static error in a query, in document order (empty when the query may run)."""
    fragments, errors = check_fragments(document)
    if errors:
        return errors
    _check_selections(document.selections, "Query", ["query"], errors, fragments)
    for fragment in fragments.values():
        here = [f"fragment {fragment.name}"]
        if _is_composite(fragment.type_condition):
            _check_selections(fragment.selections, fragment.type_condition, here, errors, fragments)
        else:
            message = f"No such type {fragment.type_condition}, so it can't be a fragment condition"
            errors.append(error(message, fragment, here, "undefinedType"))
    if not errors:  # fields that exist: can those answering under one key be merged?
        _Merging(fragments, errors).check(document.selections, "Query", ["query"])
    return errors


def fragments_of(document: Document) -> Fragments:
    """A validated document's fragments by name."""
    return {fragment.name: fragment for fragment in document.fragments}


def _is_composite(type_name: str) -> bool:
    return type_name in OBJECTS or type_name in INTERFACES


class _Merging:
    """GraphQL's "fields can be merged" rule, as graphql-ruby reports it (`fieldConflict`): fields under one
    response key must be the same field with the same arguments, unless they sit on different object types
    (fragments on Tree and Blob may both say `oid`); their selections are merged and checked in turn. A set
    of selections met again (one fragment spread under every alias of a batch) is checked once."""

    def __init__(self, fragments: Fragments, errors: list[dict[str, Any]]) -> None:
        self.fragments = fragments
        self.errors = errors
        self.checked: set[tuple[str, tuple[int | str, ...]]] = set()

    def check(
        self, selections: list[Selection] | tuple[Selection, ...], parent: str, path: list[str]
    ) -> None:
        # a spread is known by its fragment's name, anything else by itself (alive as long as the document)
        seen = (parent, tuple(s.name if isinstance(s, FragmentSpread) else id(s) for s in selections))
        if seen in self.checked:
            return
        self.checked.add(seen)
        by_key: dict[str, list[tuple[str, Field]]] = {}
        self._group(selections, parent, by_key, set())
        for key, fields in by_key.items():
            self._check_key(key, fields, path)

    def _check_key(self, key: str, fields: list[tuple[str, Field]], path: list[str]) -> None:
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
            self.errors.append(problem)
            return
        definition = fields_of(first_parent).get(first.name)
        inner = [selection for _, field in fields for selection in field.selections]
        if definition is not None and inner:
            self.check(inner, definition.type, [*path, key])

    def _group(
        self,
        selections: Iterable[Selection],
        parent: str,
        by_key: dict[str, list[tuple[str, Field]]],
        spread: set[str],
    ) -> None:
        for selection in selections:
            if isinstance(selection, FragmentSpread):
                if selection.name not in spread:  # a fragment spread twice in one set adds nothing
                    spread.add(selection.name)
                    fragment = self.fragments[selection.name]
                    self._group(fragment.selections, fragment.type_condition, by_key, spread)
            elif isinstance(selection, InlineFragment):
                self._group(selection.selections, selection.type_condition or parent, by_key, spread)
            elif selection.name != "__typename" or selection.key != "__typename":
                by_key.setdefault(selection.key, []).append((parent, selection))


def _check_selections(
    selections: tuple[Selection, ...],
    parent: str,
    path: list[str],
    errors: list[dict[str, Any]],
    fragments: Fragments,
) -> None:
    for selection in selections:
        if isinstance(selection, FragmentSpread):
            _check_spread(selection, parent, path, errors, fragments)
            continue
        if isinstance(selection, InlineFragment):
            _check_fragment(selection, parent, path, errors, fragments)
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
            _check_selections(selection.selections, definition.type, here, errors, fragments)


def _check_fragment(
    fragment: InlineFragment, parent: str, path: list[str], errors: list[dict[str, Any]], fragments: Fragments
) -> None:
    condition = fragment.type_condition or parent
    here = [*path, f"... on {condition}"]
    if not _is_composite(condition):
        message = f"No such type {condition}, so it can't be a fragment condition"
        errors.append(error(message, fragment, here, "undefinedType"))
    elif not possible_types(condition) & possible_types(parent):
        message = f"Fragment on {condition} can't be spread inside {parent}"
        errors.append(error(message, fragment, here, "fragmentSpreadTypeMismatch"))
    else:
        _check_selections(fragment.selections, condition, here, errors, fragments)


def _check_spread(
    spread: FragmentSpread, parent: str, path: list[str], errors: list[dict[str, Any]], fragments: Fragments
) -> None:
    """Only where it is spread: its fields are checked once, with its definition (validate)."""
    condition = fragments[spread.name].type_condition
    if _is_composite(condition) and not possible_types(condition) & possible_types(parent):
        message = f"Fragment {spread.name} on {condition} can't be spread inside {parent}"
        errors.append(error(message, spread, [*path, f"... {spread.name}"], "fragmentSpreadTypeMismatch"))


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
