"""A small parser for the executable GraphQL subset distscout sends to GitHub (upstream-apis.md §3.7).

One anonymous or named `query` (or a bare selection set) and any named fragments (`fragment Name on Type
{ }`, before or after it): fields with an optional alias and arguments, nested selection sets, inline
fragments `... on Type { }`, fragment spreads `...Name`, and argument values that are strings (JSON-style
escapes, or `\"\"\"block strings\"\"\"`), ints, floats, booleans, null, enums, lists and object literals.
Commas are whitespace and `#` starts a comment. Variables, directives, a second operation, mutations and
subscriptions are refused with a `GraphqlSyntaxError`, as is any query deeper or longer than the guards.
How fragments and spreads fit together (defined, used, no cycle) is validation's (graphql_fragments).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple, NoReturn, TypeAlias

MAX_QUERY_CHARS = 1_000_000  # a generous bound: distscout's biggest batches are a few hundred KB
MAX_DEPTH = 40  # nested selection sets (the deep tree query uses 20)


class GraphqlSyntaxError(ValueError):
    """The document is not a query this parser reads; `line`/`column` point at the offending token."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class EnumValue:
    name: str


Value: TypeAlias = str | int | float | bool | EnumValue | list["Value"] | Mapping[str, "Value"] | None


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    alias: str | None
    arguments: Mapping[str, Value]
    selections: tuple[Selection, ...]
    line: int
    column: int

    @property
    def key(self) -> str:
        """The name this field answers under."""
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class InlineFragment:
    type_condition: str | None
    selections: tuple[Selection, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class FragmentSpread:
    name: str
    line: int
    column: int


Selection = Field | InlineFragment | FragmentSpread


@dataclass(frozen=True, slots=True)
class FragmentDefinition:
    name: str
    type_condition: str
    selections: tuple[Selection, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Document:
    name: str | None
    selections: tuple[Selection, ...]
    fragments: tuple[FragmentDefinition, ...] = ()  # in document order; a name twice is validation's error


class Token(NamedTuple):  # a tuple: the emulator makes a thousand for each batched query it answers
    kind: str  # NAME, INT, FLOAT, STRING, PUNCT, EOF
    text: str
    value: str  # a string's decoded value; otherwise the text
    position: int  # in the document; its line and column are worked out only where one is needed


# One match a token, with what comes before it to skip (whitespace, commas, comments); the alternatives in
# order of how often they come, where none is a prefix of a later one's match (FLOAT before INT, a block
# string before a string). END matches once, at the end; BAD at a character no token starts with.
_TOKEN = re.compile(
    r"""
    (?:[\s,\ufeff]+|\#[^\n\r]*)*
    (?:
      (?P<NAME>[_A-Za-z][_0-9A-Za-z]*)
    | (?P<PUNCT>\.\.\.|[{}():\[\]!$=@|&])
    | (?P<BLOCK>\"\"\"(?:\\\"\"\"|[^"]|"(?!""))*\"\"\")
    | (?P<STRING>"(?:[^"\\\n\r]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4})*")
    | (?P<FLOAT>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+))
    | (?P<INT>-?(?:0|[1-9][0-9]*))
    | (?P<END>\Z)
    | (?P<BAD>.)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_PUNCT_NAMES = {
    "{": "LCURLY", "}": "RCURLY", "(": "LPAREN", ")": "RPAREN", ":": "COLON", "[": "LBRACKET",
    "]": "RBRACKET", "!": "BANG", "$": "VAR_SIGN", "=": "EQUALS", "@": "DIR_SIGN", "...": "ELLIPSIS",
    "|": "PIPE", "&": "AMP",
}  # fmt: skip


def tokens(text: str) -> list[Token]:
    """Every token of `text`, then EOF; or up to a character no token starts with, then a BAD token there,
    which the parser refuses once it reaches it (a syntax error before it is the one said, as GitHub does).
    One pass of one regular expression: no gap is left between its matches."""
    found: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "END"
        if kind in ("NAME", "PUNCT"):  # the common case first
            chunk = match.group(kind)
            found.append(Token(kind, chunk, chunk, match.start(kind)))
        elif kind == "END":
            break
        elif kind == "BAD":
            found.append(Token(kind, match.group(kind), "", match.start(kind)))
            return found
        else:
            found.append(Token(*_token_parts(kind, match.group(kind)), match.start(kind)))
    found.append(Token("EOF", "", "", len(text)))
    return found


class Lines:
    """Line and column (from 1) of a position in a text; only a line feed ends a line, as GitHub counts."""

    def __init__(self, text: str) -> None:
        self._breaks = [match.start() for match in re.finditer("\n", text)]

    def where(self, position: int) -> tuple[int, int]:
        before = bisect_right(self._breaks, position - 1)  # line breaks before the position
        line_start = self._breaks[before - 1] + 1 if before else 0
        return before + 1, position - line_start + 1


def _token_parts(kind: str, chunk: str) -> tuple[str, str, str]:
    if kind == "STRING":
        return "STRING", chunk, json.loads(chunk, strict=False)
    if kind == "BLOCK":
        return "STRING", chunk, _block_string(chunk[3:-3].replace('\\"""', '"""'))
    return kind, chunk, chunk


def _block_string(raw: str) -> str:
    lines = raw.splitlines()
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines[1:] if line.strip(" \t")]
    common = min(indents, default=0)
    lines = lines[:1] + [line[common:] for line in lines[1:]]
    while lines and not lines[0].strip(" \t"):
        lines.pop(0)
    while lines and not lines[-1].strip(" \t"):
        lines.pop()
    return "\n".join(lines)


def parse(text: str) -> Document:
    """The one query in `text`; raises GraphqlSyntaxError."""
    if len(text) > MAX_QUERY_CHARS:
        raise GraphqlSyntaxError(
            f"Query is too large: {len(text):,} characters (the emulator reads at most {MAX_QUERY_CHARS:,})",
            1,
            1,
        )
    return _Parser(text).document()


_NO_ARGUMENTS: Mapping[str, Value] = MappingProxyType({})


@dataclass(slots=True)
class _Parser:
    text: str
    _tokens: list[Token] = field(init=False)
    _index: int = field(init=False, default=0)
    _current: Token = field(init=False)
    _lines: Lines = field(init=False)

    def __post_init__(self) -> None:
        self._tokens = tokens(self.text)
        self._current = self._tokens[0]
        self._lines = Lines(self.text)
        self._refuse_bad()

    def document(self) -> Document:
        operation: tuple[str | None, tuple[Selection, ...]] | None = None
        fragments: list[FragmentDefinition] = []
        while operation is None or self._current.kind != "EOF":
            start = self._current
            if start.kind == "NAME" and start.value == "fragment":
                fragments.append(self._fragment_definition())
            elif operation is None:
                operation = self._operation()
            else:  # a second operation: GitHub would need an operationName to choose; distscout sends one
                self._fail()
        return Document(operation[0], operation[1], tuple(fragments))

    def _operation(self) -> tuple[str | None, tuple[Selection, ...]]:
        name = None
        start = self._current
        if start.kind == "NAME" and start.value in ("mutation", "subscription"):
            raise GraphqlSyntaxError(
                f"The emulator answers queries only, not a {start.value}", *self._where(start)
            )
        if start.kind == "NAME" and start.value == "query":
            self._advance()
            if self._current.kind == "NAME":
                name = self._advance().value
            if self._at("("):
                self._unsupported("variables")
            self._no_directives()
        return name, self._selection_set(1)

    def _fragment_definition(self) -> FragmentDefinition:
        start = self._advance()  # `fragment`
        if self._current.kind == "NAME" and self._current.value == "on":
            self._fail()  # `on` cannot name a fragment
        name = self._name()
        if self._current.kind != "NAME" or self._current.value != "on":
            self._fail()
        self._advance()
        condition = self._name()
        self._no_directives()
        return FragmentDefinition(name, condition, self._selection_set(1), *self._where(start))

    def _selection_set(self, depth: int) -> tuple[Selection, ...]:
        opening = self._expect("{")
        if depth > MAX_DEPTH:
            raise GraphqlSyntaxError(
                f"Query has too many nested selections (more than {MAX_DEPTH} levels)",
                *self._where(opening),
            )
        selections: list[Selection] = [self._selection(depth)]
        while not self._at("}"):
            selections.append(self._selection(depth))
        self._advance()
        return tuple(selections)

    def _selection(self, depth: int) -> Selection:
        start = self._current
        if self._at("..."):
            self._advance()
            condition = None
            if self._current.kind == "NAME" and self._current.value == "on":
                self._advance()
                condition = self._name()
            elif self._current.kind == "NAME":
                spread = self._advance().value
                self._no_directives()
                return FragmentSpread(spread, *self._where(start))
            self._no_directives()
            return InlineFragment(condition, self._selection_set(depth + 1), *self._where(start))
        name = self._name()
        alias = None
        if self._at(":"):
            self._advance()
            alias, name = name, self._name()
        arguments = self._arguments() if self._at("(") else _NO_ARGUMENTS
        self._no_directives()
        selections: tuple[Selection, ...] = ()
        if self._at("{"):
            selections = self._selection_set(depth + 1)
        return Field(name, alias, arguments, selections, *self._where(start))

    def _arguments(self) -> Mapping[str, Value]:
        self._expect("(")
        arguments: dict[str, Value] = {}
        while not arguments or not self._at(")"):
            key = self._current
            name = self._name()
            if name in arguments:
                raise GraphqlSyntaxError(f'There can be only one argument named "{name}"', *self._where(key))
            self._expect(":")
            arguments[name] = self._value()
        self._advance()
        return MappingProxyType(arguments)

    def _value(self) -> Value:
        token = self._current
        if token.kind == "STRING":
            return self._advance().value
        if token.kind == "INT":
            return int(self._advance().value)
        if token.kind == "FLOAT":
            return float(self._advance().value)
        if token.kind == "NAME":
            self._advance()
            if token.value in ("true", "false"):
                return token.value == "true"
            return None if token.value == "null" else EnumValue(token.value)
        if self._at("["):
            self._advance()
            items: list[Value] = []
            while not self._at("]"):
                items.append(self._value())
            self._advance()
            return items
        if self._at("{"):
            self._advance()
            fields: dict[str, Value] = {}
            while not self._at("}"):
                name = self._name()
                self._expect(":")
                fields[name] = self._value()
            self._advance()
            return MappingProxyType(fields)
        if self._at("$"):
            self._unsupported("variables")
        return self._fail()

    def _no_directives(self) -> None:
        if self._at("@"):
            self._unsupported("directives")

    def _name(self) -> str:
        if self._current.kind != "NAME":
            self._fail()
        return self._advance().value

    def _at(self, punct: str) -> bool:
        return self._current.text == punct  # no other kind of token is spelt like a punctuator

    def _expect(self, punct: str) -> Token:
        if not self._at(punct):
            self._fail()
        return self._advance()

    def _advance(self) -> Token:
        token = self._current
        if token.kind != "EOF":
            self._index += 1
            self._current = self._tokens[self._index]
            self._refuse_bad()
        return token

    def _refuse_bad(self) -> None:
        token = self._current
        if token.kind != "BAD":
            return
        line, column = self._where(token)
        where = f"at [{line}, {column}]"
        message = (
            f"Parse error on an unterminated string or a bad escape {where}"
            if token.text == '"'
            else f"Parse error on {json.dumps(token.text)} (UNKNOWN_CHAR) {where}"
        )
        raise GraphqlSyntaxError(message, line, column)

    def _where(self, token: Token) -> tuple[int, int]:
        return self._lines.where(token.position)

    def _fail(self, token: Token | None = None) -> NoReturn:
        token = token or self._current
        line, column = self._where(token)
        if token.kind == "EOF":
            raise GraphqlSyntaxError(
                f"Parse error on end of input (unexpected end of document) at [{line}, {column}]",
                line,
                column,
            )
        kind = _PUNCT_NAMES.get(token.text, "PUNCT") if token.kind == "PUNCT" else token.kind
        shown = token.text if len(token.text) <= 40 else token.text[:37] + "..."
        raise GraphqlSyntaxError(f'Parse error on "{shown}" ({kind}) at [{line}, {column}]', line, column)

    def _unsupported(self, what: str) -> NoReturn:
        token = self._current
        line, column = self._where(token)
        raise GraphqlSyntaxError(
            f'Parse error on "{token.text}": the emulator does not support {what} at [{line}, {column}]',
            line,
            column,
        )
