"""mix.exs (Elixir, Hex): the `app:` of `project/0`, or the Hex package name when `package:` gives one.

Read without running Elixir: strings, sigils and comments are masked first, so `# app: :old` or an
`app:` inside a description never counts. `app:` may be an atom (`:acme`, `:"my-app"`) or a module
attribute (`@app :acme`). Hex publishes under `package: [name: "..."]` when set, inline or through a
function (`package: package()` with `defp package do [name: ...] end`), so that name wins. The
project-level `name:` is the display name for docs, not the package, and is ignored.

Umbrella roots (`apps_path:`) declare no app: no name. A project without `package:`/`description:` may
still be published, so it keeps its intent; `package: [organization: "acme"]` publishes to a private
Hex organization (the Hex peer of npm's `private: true`), so it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._lexing import MARK, render
from distscout.manifests.registry import ManifestParser

_SPECIAL = re.compile(
    r'"""|\'\'\'|"|\'|\#|~(?:[a-z]|[A-Z][A-Z0-9]*)(?=["\'/|(\[{<])|(?<![\w?!)\]}])\?(?=\S)', re.VERBOSE
)
_DOUBLE = re.compile(r'"(?:[^"\\#]|\\.|\#\{[^{}]*+\}|\#)*+"?', re.DOTALL)
_SINGLE = re.compile(r"'(?:[^'\\]|\\.)*+'?", re.DOTALL)
_INTERPOLATION = re.compile(r"(?<!\\)#\{")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CLOSERS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_BRACKETS = re.compile(r"[\[\](){},]")
_ATTRIBUTE = re.compile(r"^[ \t]*@([a-z_]\w*)[ \t]+([^\n]+)", re.MULTILINE)
_ATOM = re.compile(r":([A-Za-z_][\w@]*[?!]?)")
_LONGEST_VALUE = 300


@dataclass(frozen=True, slots=True)
class _Source:
    code: str
    literals: tuple[str | None, ...]
    attributes: dict[str, str]


class _Computed(str):
    """A value only known at run time (the str is its source text)."""

    __slots__ = ()


def parse(text: str, filename: str = "mix.exs") -> Declaration:
    source = _scan(text)
    project = _function_list(source.code, "project")
    if project is None:
        return Declaration.no_name("no project/0 keyword list")
    items = _keywords(project)
    app = _value(source, items.get("app"))
    if app is None:
        if "apps_path" in items:
            return Declaration.no_name("umbrella root: the apps declare the packages")
        return Declaration.no_name("project/0 has no app:")
    package = _package(source, items.get("package"))
    name = _value(source, package.get("name")) or app
    if isinstance(name, _Computed):
        return Declaration.unsupported(f"computed name: {name}")
    organization = _value(source, package.get("organization"))
    if organization:
        reason = f'package organization "{organization}": a private Hex repository'
        return Declaration.named(name, intent=False, reason=reason)
    field = "package: name" if package.get("name") is not None else "app:"
    return Declaration.named(name, reason=f"{field} in project/0, no private organization")


def _scan(text: str) -> _Source:
    """Mask string literals (as `\\x01N\\x01`) and drop comments; every step consumes input.

    Not `_lexing.mask`: Elixir comments are `#`, and `?"` is a character literal, not a quote.
    """
    text = text.replace("\x01", " ")
    out: list[str] = []
    literals: list[str | None] = []
    pos = 0
    while (match := _SPECIAL.search(text, pos)) is not None:
        out.append(text[pos : match.start()])
        lead, start = match.group(), match.start()
        if lead == "#":
            end = text.find("\n", start)
            pos = len(text) if end == -1 else end
            continue
        if lead == "?":  # a character literal: `?"` or `?#` is not a quote or a comment
            pos = start + (3 if text.startswith("\\", start + 1) else 2)
            out.append("0")
            continue
        value, pos = _literal(text, lead, start)
        out.append(f"\x01{len(literals)}\x01")
        literals.append(value)
    out.append(text[pos:])
    code = "".join(out)
    return _Source(code, tuple(literals), _attributes(code))


def _literal(text: str, lead: str, start: int) -> tuple[str | None, int]:
    if lead in ('"""', "'''"):
        end = text.find(lead, start + 3)
        end = len(text) if end == -1 else end + 3
        return _unescape(text[start + 3 : end - 3]), end
    if lead in ('"', "'"):
        match = (_DOUBLE if lead == '"' else _SINGLE).match(text, start)
        end = match.end() if match else start + 1
        literal = text[start:end]
        body = literal[1:-1] if len(literal) > 1 and literal.endswith(lead) else literal[1:]
        return _unescape(body), end
    return _sigil(text, lead, start)


def _sigil(text: str, lead: str, start: int) -> tuple[str | None, int]:
    opener_at = start + len(lead)
    for heredoc in ('"""', "'''"):
        if text.startswith(heredoc, opener_at):
            end = text.find(heredoc, opener_at + 3)
            return None, len(text) if end == -1 else end + 3
    opener = text[opener_at]
    closer = _CLOSERS.get(opener, opener)
    # Sigil delimiters do not nest; only an escaped closer is skipped.
    end = next(
        (m.end() for m in _closer(closer).finditer(text, opener_at + 1) if m.group() == closer), len(text)
    )
    value = text[opener_at + 1 : end - 1] if lead in ("~s", "~S") else None
    return value, end


@cache
def _closer(closer: str) -> re.Pattern[str]:
    return re.compile(r"\\.|" + re.escape(closer), re.DOTALL)


def _unescape(body: str) -> str | None:
    if _INTERPOLATION.search(body):
        return None
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _attributes(code: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(code):
        found.setdefault(match.group(1), match.group(2).strip())
    return found


def _function_list(code: str, name: str) -> str | None:
    """The keyword list a zero-arity `def`/`defp` returns: `def project do [...] end` or `, do: [...]`."""
    header = re.compile(
        r"\bdefp?[ \t]+" + re.escape(name) + r"\b(?:[ \t]*\([ \t]*\))?[ \t]*(?:,[ \t]*do:|\bdo\b)"
    )
    match = header.search(code)
    if match is None:
        return None
    next_def = re.compile(r"\bdefp?[ \t]").search(code, match.end())
    limit = next_def.start() if next_def else len(code)
    opener = code.find("[", match.end(), limit)
    if opener == -1:
        return None
    return code[opener : _balanced_end(code, opener)]


def _balanced_end(code: str, opener: int) -> int:
    """Index just past the bracket that closes the one at `opener` (or the end of the code)."""
    depth = 0
    for match in _BRACKETS.finditer(code, opener):
        char = match.group()
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
            if depth == 0:
                return match.end()
    return len(code)


def _keywords(keyword_list: str) -> dict[str, str]:
    """`[a: 1, b: f(x, y)]` -> {"a": "1", "b": "f(x, y)"}: split at the list's own commas only."""
    items: dict[str, str] = {}
    depth, start = 0, 1
    for match in _BRACKETS.finditer(keyword_list):
        char = match.group()
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        if depth == 0 or (depth == 1 and char == ","):
            item = re.match(r"\s*([a-z_]\w*[?!]?):\s(.*)", keyword_list[start : match.start()], re.DOTALL)
            if item is not None:
                items.setdefault(item.group(1), item.group(2).strip())
            start = match.end()
        if depth == 0:
            break
    return items


def _package(source: _Source, value: str | None) -> dict[str, str]:
    """The package/0 keyword list, given inline, through a function call or a module attribute."""
    if value is None:
        return {}
    if value.startswith("@"):
        value = source.attributes.get(value[1:], "")
    if value.startswith("["):
        return _keywords(value)
    call = re.fullmatch(r"([a-z_]\w*)(?:[ \t]*\([ \t]*\))?", value)
    if call is None:
        return {}
    found = _function_list(source.code, call.group(1))
    return _keywords(found) if found is not None else {}


def _value(source: _Source, expression: str | None, depth: int = 0) -> str | None:
    """An atom or string the file spells out; `_Computed` for anything else; None when absent."""
    if expression is None:
        return None
    expression = expression.strip()
    if len(expression) > _LONGEST_VALUE:
        return _Computed(render(expression, source.literals))
    if (atom := _ATOM.fullmatch(expression)) is not None:
        return atom.group(1)
    if (literal := re.fullmatch(r":?" + MARK, expression)) is not None:
        value = source.literals[int(literal.group(1))]
        return value if value is not None else _Computed("an interpolated string")
    attribute = re.fullmatch(r"@([a-z_]\w*)", expression)
    if attribute is not None and depth < 3 and attribute.group(1) in source.attributes:
        return _value(source, source.attributes[attribute.group(1)], depth + 1)
    return _Computed(render(expression, source.literals))


PARSER = ManifestParser(
    manifest_type="hex", key="mix", version=2, parse=parse, filenames=frozenset({"mix.exs"})
)
