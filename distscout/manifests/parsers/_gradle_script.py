"""Reading a Gradle script (Groovy or Kotlin DSL) as masked code cut into statements.

Comments and string literals are masked first (`_lexing.mask`), so that a commented-out plugin or a
`group =` inside a string never counts. The code is then cut into statements, each with the chain of
blocks around it (`allprojects`, `publishing`, `plugins`, ...), so that the caller can tell a task's
`group = "verification"` from the project's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from distscout.manifests.parsers._lexing import Masked, mask

_LEADS = re.compile(r"//|/\*|\"\"\"|'''|\"|'")
_DOUBLE = re.compile(r'"(?:[^"\\\n$]|\\.|\$\{[^{}\n]*+\}|\$)*+"?')
_SINGLE = re.compile(r"'(?:[^'\\\n]|\\.)*+'?")
_TEMPLATE = re.compile(r"\$[{A-Za-z_]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_STRUCTURE = re.compile(r"[{}()\[\];\n]")
_MAX_NESTING = 32  # deeper blocks are not where coordinates live; bounds the work on garbage


@dataclass(frozen=True, slots=True)
class Statement:
    blocks: tuple[str, ...]  # the heads of the enclosing blocks, outermost first
    text: str
    opens_block: bool = False


def scan(text: str, *, kotlin: bool) -> Masked:
    """The script with literals masked and comments dropped; a literal that interpolates has no value."""
    # Kotlin block comments nest; Groovy's do not.
    return mask(text, _LEADS, _literal, nested_comments=kotlin)


def _literal(text: str, lead: str, start: int) -> tuple[str | None, int]:
    if len(lead) == 3:
        end = text.find(lead, start + 3)
        end = len(text) if end == -1 else end
        body, after = text[start + 3 : end], min(len(text), end + 3)
    else:
        match = (_DOUBLE if lead == '"' else _SINGLE).match(text, start)
        literal = match.group() if match else lead
        closed = len(literal) > 1 and literal.endswith(lead)
        body, after = (literal[1:-1] if closed else literal[1:]), start + len(literal)
    if lead.startswith('"') and _TEMPLATE.search(body) is not None:  # "${x}", "$x": a GString
        return None, after
    return _ESCAPE.sub(r"\1", body), after


def statements(code: str) -> list[Statement]:
    """Cut the script at line ends, `;` and braces outside parentheses; a block head is a statement too."""
    found: list[Statement] = []
    blocks: list[str] = []
    overflow = depth = start = 0
    for match in _STRUCTURE.finditer(code):
        char = match.group()
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if depth or char in "()[]":
            continue  # inside arguments: braces there are lambdas passed along, not blocks
        text = " ".join(code[start : match.start()].split())
        start = match.end()
        if text and not overflow:
            found.append(Statement(tuple(blocks), text, opens_block=char == "{"))
        if char == "{":
            if overflow or len(blocks) >= _MAX_NESTING:
                overflow += 1
            else:
                blocks.append(text)
        elif char == "}":
            if overflow:
                overflow -= 1
            elif blocks:
                blocks.pop()
    tail = " ".join(code[start:].split())
    if tail and not overflow:
        found.append(Statement(tuple(blocks), tail))
    return found
