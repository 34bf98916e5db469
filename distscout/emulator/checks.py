"""Validation helpers shared by the world and fault-plan loaders.

Every problem is reported as `FILE: FIELD.PATH: what was expected`, so a hand-written world or fault plan can
be fixed from the message alone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FormatError(ValueError):
    """Input that does not follow its documented format; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Where:
    """A position inside an input file: the file's name and the field path down to the value."""

    file: str
    path: str = ""
    error: type[FormatError] = FormatError

    def key(self, name: str) -> Where:
        plain = _IDENTIFIER.fullmatch(name)
        step = f"[{_quote(name)}]" if not plain else f".{name}" if self.path else name
        return Where(self.file, self.path + step, self.error)

    def index(self, position: int) -> Where:
        return Where(self.file, f"{self.path}[{position}]", self.error)

    def fail(self, problem: str) -> NoReturn:
        raise self.error(f"{self.file}: {self.path}: {problem}" if self.path else f"{self.file}: {problem}")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def describe(value: Any) -> str:
    """A short rendering of an offending value for error messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_object(
    value: Any, where: Where, required: Collection[str], optional: Collection[str]
) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        where.fail(f"expected an object, got {describe(value)}")
    for name in value:
        if not isinstance(name, str) or (name not in required and name not in optional):
            known = ", ".join(sorted([*required, *optional]))
            where.key(str(name)).fail(f"unknown field (known fields: {known})")
    for name in required:
        if name not in value:
            where.key(name).fail("missing required field")
    return dict(value)


def as_list(value: Any, where: Where, what: str = "a list") -> list[Any]:
    if not isinstance(value, list):
        where.fail(f"expected {what}, got {describe(value)}")
    return value


def as_str(value: Any, where: Where) -> str:
    if not isinstance(value, str) or not value.strip():
        where.fail(f"expected a non-empty string, got {describe(value)}")
    return value


def as_str_list(value: Any, where: Where) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        where.fail(f"expected a list of strings, got {describe(value)}")
    return tuple(value)


def as_bool(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        where.fail(f"expected true or false, got {describe(value)}")
    return value


def as_choice(value: Any, where: Where, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        where.fail(f"expected one of {', '.join(sorted(choices))}; got {describe(value)}")
    return value


def as_number(value: Any, where: Where, low: float, high: float | None = None) -> float:
    in_range = isinstance(value, int | float) and not isinstance(value, bool) and value >= low
    if not in_range or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"of at least {low:g}"
        where.fail(f"expected a number {bounds}, got {describe(value)}")
    return float(value)


def as_int(value: Any, where: Where, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        where.fail(f"expected an integer of at least {low}, got {describe(value)}")
    return value


def as_datetime(value: Any, where: Where) -> datetime:
    """An ISO-8601 date-time; a value without a time zone is taken as UTC."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    where.fail(f"expected an ISO-8601 date-time such as 2024-05-01T10:00:00Z, got {describe(value)}")
