"""Named fragments: the document-wide rules GitHub's GraphQL service (graphql-ruby) checks (upstream-apis.md
§3.7), before any field is looked at.

- a name names one fragment: `Fragment name "X" must be unique` (`fragmentNotUnique`);
- every spread names a fragment, every fragment is spread: `Fragment X was used, but not defined`, `Fragment
  X was defined, but not used` (`useAndDefineFragment`);
- no fragment spreads itself, however indirectly: `Fragment X contains an infinite loop` (`infiniteLoop`);
- the emulator's guards hold once the spreads are counted: no deeper than `MAX_DEPTH` nested selections,
  no more than `MAX_SELECTIONS` selections spread out (a fragment spread twice at every level doubles).

Fragments are checked once each here and in `graphql_schema`, not once a spread: a batch spreads one
fragment under each of its hundred aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from distscout.emulator.graphql_parse import (
    MAX_DEPTH,
    Document,
    Field,
    FragmentDefinition,
    FragmentSpread,
    InlineFragment,
    Selection,
)

MAX_SELECTIONS = 1_000_000  # spread out; distscout's biggest batch has a few tens of thousands


Located = Field | InlineFragment | FragmentSpread | FragmentDefinition


def error(message: str, at: Located, path: Iterable[str], code: str, **extensions: str) -> dict[str, Any]:
    """A static error as graphql-ruby reports it: the fragments' rules here, the fields' (graphql_schema)."""
    return {
        "message": message,
        "locations": [{"line": at.line, "column": at.column}],
        "path": list(path),
        "extensions": {"code": code, **extensions},
    }


def spreads(selections: tuple[Selection, ...]) -> Iterator[FragmentSpread]:
    """The spreads in a selection set, at any depth (not through other fragments)."""
    for selection in selections:
        if isinstance(selection, FragmentSpread):
            yield selection
        else:
            yield from spreads(selection.selections)


def check_fragments(document: Document) -> tuple[Mapping[str, FragmentDefinition], list[dict[str, Any]]]:
    """The document's fragments by name, and every error of the rules above (empty when they hold)."""
    by_name: dict[str, FragmentDefinition] = {}
    errors: list[dict[str, Any]] = []
    for fragment in document.fragments:
        if fragment.name in by_name:
            message = f'Fragment name "{fragment.name}" must be unique'
            errors.append(error(message, fragment, [], "fragmentNotUnique", fragmentName=fragment.name))
        by_name.setdefault(fragment.name, fragment)
    used: set[str] = set()
    for path, selections in _bodies(document):
        for spread in spreads(selections):
            used.add(spread.name)
            if spread.name not in by_name:
                message = f"Fragment {spread.name} was used, but not defined"
                here = [*path, f"... {spread.name}"]
                errors.append(error(message, spread, here, "useAndDefineFragment", fragmentName=spread.name))
    for name, fragment in by_name.items():
        if name not in used:
            message = f"Fragment {name} was defined, but not used"
            errors.append(
                error(message, fragment, [f"fragment {name}"], "useAndDefineFragment", fragmentName=name)
            )
    if not errors:
        errors = _Sizes(by_name).check(document.selections)
    return by_name, errors


def _bodies(document: Document) -> Iterator[tuple[list[str], tuple[Selection, ...]]]:
    yield ["query"], document.selections
    for fragment in document.fragments:
        yield [f"fragment {fragment.name}"], fragment.selections


@dataclass(frozen=True, slots=True)
class _Size:
    depth: int  # nested selection sets, the spreads' counted
    selections: int  # spread out


class _Sizes:
    """Each fragment's size spread out, worked out once; a fragment met again while its own is being worked
    out spreads itself (a cycle)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinition]) -> None:
        self.fragments = fragments
        self.known: dict[str, _Size] = {}
        self.open: list[str] = []
        self.errors: list[dict[str, Any]] = []

    def check(self, operation: tuple[Selection, ...]) -> list[dict[str, Any]]:
        for name in self.fragments:
            self._fragment(name)
        if self.errors:
            return self.errors
        size = self._set(operation)
        at = operation[0] if operation else None
        if at is not None and size.depth > MAX_DEPTH:
            message = f"Query has too many nested selections (more than {MAX_DEPTH} levels)"
            return [error(message, at, ["query"], "maxDepth")]
        if at is not None and size.selections > MAX_SELECTIONS:
            message = f"Query has too many selections once its fragments are spread (over {MAX_SELECTIONS:,})"
            return [error(message, at, ["query"], "maxSelections")]
        return []

    def _fragment(self, name: str, spread: FragmentSpread | None = None) -> _Size:
        if name in self.known:
            return self.known[name]
        fragment = self.fragments[name]
        if spread is not None and name in self.open:  # it spreads itself: said once, at the looping spread
            if not any(e["extensions"].get("fragmentName") == name for e in self.errors):
                message = f"Fragment {name} contains an infinite loop"
                self.errors.append(
                    error(message, spread, [f"fragment {name}"], "infiniteLoop", fragmentName=name)
                )
            return _Size(0, 0)
        self.open.append(name)
        size = self._set(fragment.selections)
        self.open.pop()
        self.known[name] = size
        return size

    def _set(self, selections: tuple[Selection, ...]) -> _Size:
        depth, count = 1, 0
        for selection in selections:
            if isinstance(selection, FragmentSpread):
                inner = self._fragment(selection.name, selection)
                depth, count = max(depth, inner.depth), min(count + inner.selections, MAX_SELECTIONS + 1)
                continue
            count += 1
            if selection.selections:
                inner = self._set(selection.selections)
                depth = max(depth, inner.depth + 1)
                count = min(count + inner.selections, MAX_SELECTIONS + 1)
        return _Size(depth, count)
