"""*.cabal (Cabal / Hackage): the top-level `name:` field.

Only top-level fields count: a `name` inside a section (`library`, `executable foo`, `flag x`,
`source-repository head` …) is not the package's. Field names are case-insensitive, a value may start
on the next, more indented line, and `--` starts a comment only at the beginning of a line.
Hackage has no standard no-publish signal, so intent stays True.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import ManifestParser

_FIELD = re.compile(r"([A-Za-z0-9_-]+)[ \t]*:(.*)")
# Cabal's package name: dash-separated components of letters/digits, each with at least one letter.
_PACKAGE_NAME = re.compile(r"[^\W_]*[^\W\d_][^\W_]*(?:-[^\W_]*[^\W\d_][^\W_]*)*")
_TEMPLATE_MARKERS = ("{{", "${", "$(", "@", "%")


@dataclass
class _Reader:
    """Collects top-level fields; section bodies (indented or in braces) are skipped."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    top_indent: int | None = None
    depth: int = 0  # open `{` of brace-layout sections
    current: list[str] | None = None  # value lines of the top-level field being read

    def feed(self, line: str) -> None:
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            return
        indent = len(line) - len(line.lstrip(" \t"))
        if self.top_indent is None:
            self.top_indent = indent
        match, current = _FIELD.fullmatch(stripped), self.current
        if self.depth > 0 or (indent > self.top_indent and current is None):
            # Inside a section's body; only its braces matter here.
            self.depth = max(0, self.depth + _brace_delta(stripped, is_field=match is not None))
        elif current is not None and indent > self.top_indent:
            current.append(stripped)  # the value of a top-level field, continued
        elif match is not None:
            self._start_field(match.group(1).lower(), match.group(2).strip())
        else:  # a section header: what follows belongs to the section
            self.current = None
            self.depth = max(0, _brace_delta(stripped, is_field=False))

    def _start_field(self, key: str, value: str) -> None:
        if key in self.fields:  # the first occurrence wins; ignore a repeat's value lines
            self.current = None
            return
        self.current = self.fields[key] = [value]


def _brace_delta(stripped: str, *, is_field: bool) -> int:
    # Braces only open or close sections on non-field lines (`library {`, `}`, `} else {`); a field
    # value such as `description: {x` must not count. A field may still close its section: `x: y }`.
    if is_field:
        return -1 if stripped.endswith("}") else 0
    return stripped.count("{") - stripped.count("}")


def parse(text: str, filename: str = "package.cabal") -> Declaration:
    reader = _Reader()
    for line in text.split("\n"):
        reader.feed(line)
    if not reader.fields:
        return Declaration.malformed("no top-level cabal fields")
    name = " ".join(part for part in reader.fields.get("name", []) if part)
    if not name:
        return Declaration.no_name("no top-level name field")
    if not _PACKAGE_NAME.fullmatch(name):
        if any(marker in name for marker in _TEMPLATE_MARKERS):
            return Declaration.unsupported(f"name is a template placeholder: {name[:80]!r}")
        return Declaration.malformed(f"not a valid package name: {name[:80]!r}")
    return Declaration.named(name, reason="the name: field")


PARSER = ManifestParser(manifest_type="hackage", key="cabal", version=2, parse=parse, suffixes=(".cabal",))
