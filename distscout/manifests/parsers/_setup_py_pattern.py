"""The literal `name=` of a setup.py that is not Python 3 syntax, found by a linear scan.

Old packages still ship Python 2 setup.py files (`print "x"`, `except E, e:`), which `ast` refuses.
For those only, the first `setup(...)` call is scanned for a keyword `name='...'` whose value is one
plain string literal. Comments and string literals are skipped as tokens, so neither a commented-out
call nor a `setup(` inside a message counts, and the call must close. A name through a variable, a
computed one or a call that never closes gives nothing (the file stays `malformed`).

Every character is visited a bounded number of times: the patterns have no nested quantifiers and the
repeated groups are possessive, so no input makes the scan backtrack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from distscout.manifests.parsers._pypi_classifiers import is_private_classifier, private_classifier

_TOKEN = re.compile(
    r"(?P<comment>\#)"
    r"|(?P<string>[uUbBrR]{0,2}(?:'''|\"\"\"|'|\"))"  # Python 2 prefixes: u'', b'', r'', ur''
    r"|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<mark>[=<>!:+\-*/%&|^@]=|[()\[\]{},=])"  # `==`, `<=`, `+=` ... are not a keyword's `=`
)
_STRING_BODY = {
    "'": re.compile(r"(?:[^'\\\n]|\\.)*+(?P<close>')?", re.DOTALL),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*+(?P<close>")?', re.DOTALL),
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*+(?P<close>''')?", re.DOTALL),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*+(?P<close>""")?', re.DOTALL),
}
_OPENERS, _CLOSERS = frozenset("([{"), frozenset(")]}")
# A token: (kind, text); a string's text is its plain value, or None when it has escapes, spans
# lines or never closes (no distribution name looks like that).
_Token = tuple[str, str | None]
_SETUP, _DEF, _OPEN_CALL = ("word", "setup"), ("word", "def"), ("mark", "(")


@dataclass(frozen=True, slots=True)
class ScannedSetup:
    name: str
    private_reason: str | None  # a `Private ::` classifier literal inside the call, if any


def scan_setup_call(text: str) -> ScannedSetup | None:
    """The literal name in the first `setup(...)` call (not a `def setup(`), if it has one."""
    tokens = _tokens(text)
    before: list[_Token] = []  # the two tokens before this one
    for token in tokens:
        if token == _OPEN_CALL and before[-1:] == [_SETUP] and before[:1] != [_DEF]:
            return _read_call(tokens)
        before = [*before[-1:], token]
    return None


def _read_call(tokens: Iterator[_Token]) -> ScannedSetup | None:
    """Reads the call's tokens up to its closing `)`; `name = '...'` counts only at the call's own level."""
    depth, name, private = 1, None, None
    recent: list[_Token] = [_OPEN_CALL]
    for token in tokens:
        kind, value = token
        if kind == "string" and value is not None and private is None and is_private_classifier(value):
            private = private_classifier([value])
        ends_argument = kind == "mark" and depth == 1 and value in {",", ")"}
        if ends_argument and name is None and _is_name_keyword(recent[-4:]):
            name = recent[-1][1]
        if kind == "mark" and value in _OPENERS:
            depth += 1
        elif kind == "mark" and value in _CLOSERS:
            depth -= 1
            if depth == 0:
                return ScannedSetup(name, private) if name else None
        recent = [*recent[-3:], token]
    return None  # the call never closes: a truncated file, not one to guess from


def _is_name_keyword(tokens: list[_Token]) -> bool:
    """`( name = 'x'` or `, name = 'x'`: the four tokens before an argument ends."""
    if len(tokens) != 4:
        return False
    (lead_kind, lead), keyword, equals, (value_kind, value) = tokens
    return (
        lead_kind == "mark"
        and lead in {"(", ","}
        and keyword == ("word", "name")
        and equals == ("mark", "=")
        and value_kind == "string"
        and value is not None
    )


def _tokens(text: str) -> Iterator[_Token]:
    """Words, brackets, `,`, `=` and string literals; comments and everything else are skipped."""
    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        kind = match.lastgroup or ""
        if kind == "comment":
            end = text.find("\n", match.end())
            position = len(text) if end == -1 else end
        elif kind == "string":
            position, value = _string(text, match)
            yield "string", value
        else:
            position = match.end()
            yield kind, match.group()


def _string(text: str, lead: re.Match[str]) -> tuple[int, str | None]:
    """Where the literal opened by `lead` ends, and its plain value."""
    quote = lead.group().lstrip("uUbBrR")
    body = _STRING_BODY[quote].match(text, lead.end())
    if body is None:  # cannot happen: every pattern matches the empty string
        return len(text), None
    value = text[body.start() : body.start("close")] if body.group("close") else None
    if value is None or "\\" in value or "\n" in value:
        return body.end(), None
    return body.end(), value
