"""Package.swift (Swift Package Manager): the `name:` argument of `Package(...)`, never compiled or run.

Comments (`//`, nested `/* */`) and string literals (`"..."`, `\"\"\"...\"\"\"`, raw `#"..."#`) are masked
first, so a commented-out `Package(name:` never counts. The name is a literal or a `let`/`var` constant
assigned one; interpolated or computed names are `unsupported`. A registry identity of a Swift package is
really its repository URL (or a registry scope), so this is the declared name only. Package.swift has no
opt-out from publishing: any tagged repository is consumable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._lexing import MARK, mask, render
from distscout.manifests.registry import ManifestParser

_LEADS = re.compile(r'//|/\*|(?<!#)#+"|"""|"')
_MULTILINE = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*+(?:""")?', re.DOTALL)
_SINGLE_LINE = re.compile(r'"(?:[^"\\\n]|\\.)*+"?')
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,8}\}|.)", re.DOTALL)
_PACKAGE_CALL = re.compile(r"(?<![\w.])(?:PackageDescription\.)?Package[ \t]*(?:\.init[ \t]*)?\(")
_NAME_ARGUMENT = re.compile(r"\s*name\s*:(.*)", re.DOTALL)
_BRACKETS = re.compile(r"[\[\](){},]")
_LONGEST_VALUE = 300


def parse(text: str, filename: str = "Package.swift") -> Declaration:
    masked = mask(text, _LEADS, _string, nested_comments=True)  # Swift block comments nest
    code, literals = masked.code, masked.values
    call = _PACKAGE_CALL.search(code)
    if call is None:
        return Declaration.no_name("no Package(...) declaration")
    argument = next(
        (m.group(1) for arg in _arguments(code, call.end() - 1) if (m := _NAME_ARGUMENT.match(arg))), None
    )
    if argument is None:
        return Declaration.no_name("Package(...) has no name: argument")
    name = _value(code, literals, argument, call.start())
    if name is None:
        return Declaration.unsupported(f"computed package name: {render(argument, literals)}")
    return Declaration.named(name, reason="Package(name:)")


def _string(text: str, lead: str, start: int) -> tuple[str | None, int]:
    if lead.startswith("#"):  # raw string: `#"a\b"#`, no escapes unless written `\#`
        hashes = lead[:-1]
        quote = '"""' if text.startswith('"""', start + len(hashes)) else '"'
        body_start = start + len(hashes) + len(quote)
        end = text.find(quote + hashes, body_start)
        end = len(text) if end == -1 else end
        body = text[body_start:end]
        return (None if "\\" + hashes in body else body), min(len(text), end + len(quote) + len(hashes))
    pattern = _MULTILINE if lead == '"""' else _SINGLE_LINE
    match = pattern.match(text, start)
    literal = match.group() if match else lead
    quote_length = len(lead)
    closed = len(literal) >= 2 * quote_length and literal.endswith(lead)
    body = literal[quote_length : len(literal) - quote_length] if closed else literal[quote_length:]
    return _unescape(body), start + len(literal)


def _unescape(body: str) -> str | None:
    if "\\(" in body.replace("\\\\", ""):
        return None  # string interpolation: computed at build time

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape.startswith("u{"):
            return chr(int(escape[2:-1], 16)) if int(escape[2:-1], 16) <= 0x10FFFF else ""
        return {"n": "\n", "t": "\t", "0": "\0", "r": "\r"}.get(escape, escape)

    return _ESCAPE.sub(replace, body)


def _arguments(code: str, opener: int) -> list[str]:
    """The top-level arguments of the call whose `(` is at `opener`."""
    arguments: list[str] = []
    depth, start = 0, opener + 1
    for match in _BRACKETS.finditer(code, opener):
        char = match.group()
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        if depth == 0 or (depth == 1 and char == ","):
            arguments.append(code[start : match.start()])
            start = match.end()
        if depth == 0:
            break
    return arguments


def _value(
    code: str, literals: Sequence[str | None], expression: str, before: int, depth: int = 0
) -> str | None:
    """A literal, or a `let`/`var` constant assigned one; None when only known at build time."""
    expression = expression.strip()
    if len(expression) > _LONGEST_VALUE:
        return None
    if (literal := re.fullmatch(MARK, expression)) is not None:
        return literals[int(literal.group(1))]
    constant = re.fullmatch(r"[A-Za-z_]\w*", expression)
    if constant is None or depth >= 3:
        return None
    declaration = re.compile(
        r"\b(?:let|var)[ \t]+" + re.escape(expression) + r"[ \t]*(?::[ \t]*String[ \t]*)?=[ \t]*([^\n;]*)"
    )
    found = [m for m in declaration.finditer(code) if m.start() < before] or list(declaration.finditer(code))
    if not found:
        return None
    return _value(code, literals, found[-1].group(1), found[-1].start(), depth + 1)


PARSER = ManifestParser(
    manifest_type="swiftpm", key="swiftpm", version=2, parse=parse, filenames=frozenset({"Package.swift"})
)
