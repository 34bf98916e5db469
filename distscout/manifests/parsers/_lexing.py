"""Masking comments and string literals out of source code that is read by pattern, never run.

`mask` serves the C-family manifests, Gradle's Groovy and Kotlin scripts and Package.swift: `//` line
comments and `/* */` block comments are dropped (line breaks kept, so line-anchored patterns still
hold) and each string literal becomes `\\x01N\\x01` in the code, its value kept aside. A pattern run on
the code then never matches inside a comment or a string. Each language brings the leads of its
literals and a reader for them; the one comment rule that differs is whether block comments nest
(Kotlin and Swift: yes; Groovy: no).

mix.exs keeps its own loop: Elixir comments start with `#` (and have no block form), and `?"` is a
character literal that stands for a number in the code, so sharing `mask` would need a flag or a
special case for each. It shares `MARK` and `render`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MARK = r"\x01(\d+)\x01"  # a masked literal in the code; group 1 is its index
_COMMENT_EDGE = re.compile(r"/\*|\*/")

# Reads the literal whose opening `lead` starts at `start`: its value (None when it is only known at
# build time, e.g. interpolated) and the index just past it.
LiteralReader = Callable[[str, str, int], tuple[str | None, int]]


@dataclass(frozen=True, slots=True)
class Masked:
    code: str
    values: tuple[str | None, ...]  # per literal: its value, None when only known at build time
    literals: tuple[str, ...]  # per literal: the text as written, quotes included

    def value(self, index: str) -> str | None:
        """The value of the literal whose `MARK` group is `index`."""
        return self.values[int(index)]


def mask(text: str, leads: re.Pattern[str], read_literal: LiteralReader, *, nested_comments: bool) -> Masked:
    """Mask the literals that `leads` finds and drop comments; linear, as every step consumes input.

    `leads` must match `//` and `/*` too, ahead of any literal lead that could start the same way.
    """
    text = text.replace("\x01", " ")  # the marker byte must not occur in the code otherwise
    out: list[str] = []
    values: list[str | None] = []
    literals: list[str] = []
    pos = 0
    while (match := leads.search(text, pos)) is not None:
        out.append(text[pos : match.start()])
        lead, start = match.group(), match.start()
        if lead == "//":
            end = text.find("\n", start)
            pos = len(text) if end == -1 else end
            continue
        if lead == "/*":
            pos = block_comment_end(text, start, nested=nested_comments)
            out.append("\n" * text.count("\n", start, pos) or " ")
            continue
        value, pos = read_literal(text, lead, start)
        out.append(f"\x01{len(values)}\x01")
        values.append(value)
        literals.append(text[start:pos])
    out.append(text[pos:])
    return Masked("".join(out), tuple(values), tuple(literals))


def block_comment_end(text: str, start: int, *, nested: bool) -> int:
    """The index just past the block comment opened at `start` (the end of the text if it never closes)."""
    if not nested:
        end = text.find("*/", start + 2)
        return len(text) if end == -1 else end + 2
    depth = 0
    for match in _COMMENT_EDGE.finditer(text, start):
        depth += 1 if match.group() == "/*" else -1
        if depth == 0:
            return match.end()
    return len(text)


def render(expression: str, values: Sequence[str | None]) -> str:
    """A masked expression for messages: literals written back (`"…"` if computed), 80 characters at most."""

    def literal(match: re.Match[str]) -> str:
        value = values[int(match.group(1))]
        return '"…"' if value is None else f'"{value}"'

    text = re.sub(MARK, literal, " ".join(expression.split()))
    return text if len(text) <= 80 else text[:79] + "…"
