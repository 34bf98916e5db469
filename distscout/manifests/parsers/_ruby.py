"""Ruby source read as data, for the gemspec and podspec parsers. Nothing here runs Ruby.

`scan` masks a Ruby program so that plain regexes see only code: each string literal becomes a marker
`\\x01N\\x01` (its value kept aside), while comments, `=begin` blocks, heredoc bodies and everything after
`__END__` disappear. A name written in a comment or inside a description therefore never matches. Every
scanning step consumes input, and unterminated literals run to the end of the file, so the work stays
linear in the size of the file even on garbage.

`spec_block` finds a `Foo::Specification.new do |x|` block and `attribute` evaluates `x.name = ...`
statically: a literal, a constant or local variable assigned a literal, or the
`File.basename(__FILE__, ".gemspec")` idiom. Anything else is reported as `Computed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

MARK = r"\x01(\d+)\x01"  # a masked string literal; group 1 is its index

_SPECIAL = re.compile(
    r"""^=begin\b | ^__END__[ \t]*$ | \# | " | ' | ` | %[qQwWiIrsx]?(?=[^\w\s]) | <<[~-]?(?=["'`A-Za-z_])""",
    re.MULTILINE | re.VERBOSE,
)
_SPECIAL_OR_NEWLINE = re.compile(_SPECIAL.pattern + r"| \n", re.MULTILINE | re.VERBOSE)
_END_OF_BEGIN = re.compile(r"^=end\b[^\n]*", re.MULTILINE)
_DOUBLE = re.compile(r'"(?:[^"\\#]|\\.|\#\{[^{}]*+\}|\#)*+"?', re.DOTALL)
_SINGLE = re.compile(r"'(?:[^'\\]|\\.)*+'?", re.DOTALL)
_BACKTICK = re.compile(r"`(?:[^`\\]|\\.)*+`?", re.DOTALL)
_HEREDOC = re.compile(r"<<([~-]?)([\"'`]?)([A-Za-z_]\w*)\2")
_WORD_LINE = re.compile(r"^([ \t]*)(\w+)[ \t]*$", re.MULTILINE)  # a candidate heredoc terminator
_INTERPOLATION = re.compile(r"(?<!\\)#[{@$]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_OPERAND_END = re.compile(r"[\w)\]}\x01][ \t]*$")  # `x % y` is arithmetic, not a %-literal


@dataclass(frozen=True, slots=True)
class RubySource:
    code: str  # the program with literals masked and comments removed
    literals: tuple[str | None, ...]  # None: interpolated, or not a plain string (%w, %r, backticks)

    def literal(self, index: str) -> str | None:
        return self.literals[int(index)]


@dataclass(frozen=True, slots=True)
class Computed:
    """A value only known at run time; `expression` is its source text, for the recorded detail."""

    expression: str


@dataclass(frozen=True, slots=True)
class SpecBlock:
    variables: frozenset[str]  # the block variable (`|s|`) and any variable the spec is assigned to
    positional: str | None  # `Gem::Specification.new "name", "1.0" do |s|`
    start: int


class _Masker:
    """One pass over the text: code is copied, literals become markers, comments are dropped."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("\x01", " ")
        self.out: list[str] = []
        self.literals: list[str | None] = []
        self.heredocs: list[tuple[str, bool]] = []  # terminators waiting for the end of the line

    def run(self) -> RubySource:
        text, pos = self.text, 0
        while pos < len(text):
            pattern = _SPECIAL_OR_NEWLINE if self.heredocs else _SPECIAL
            match = pattern.search(text, pos)
            if match is None:
                self.out.append(text[pos:])
                break
            self.out.append(text[pos : match.start()])
            lead = match.group()
            if lead.startswith("__END__"):
                break
            pos = self._lead(lead, match.start())
        return RubySource("".join(self.out), tuple(self.literals))

    def _lead(self, lead: str, start: int) -> int:
        text = self.text
        if lead == "\n":
            self.out.append("\n")
            return self._skip_heredoc_bodies(start + 1)
        if lead == "#":
            end = text.find("\n", start)
            return len(text) if end == -1 else end
        if lead.startswith("=begin"):
            match = _END_OF_BEGIN.search(text, start)
            return len(text) if match is None else match.end()
        if lead == '"':
            return self._quoted(_DOUBLE, start, interpolates=True)
        if lead == "'":
            return self._quoted(_SINGLE, start, interpolates=False)
        if lead == "`":
            command = _BACKTICK.match(text, start)
            return self._mark(None, command.end() if command else start + 1)
        if lead.startswith("%"):
            return self._percent(lead, start)
        return self._heredoc(start)

    def _mark(self, value: str | None, end: int) -> int:
        self.out.append(f"\x01{len(self.literals)}\x01")
        self.literals.append(value)
        return end

    def _quoted(self, pattern: re.Pattern[str], start: int, *, interpolates: bool) -> int:
        match = pattern.match(self.text, start)
        if match is None:  # cannot happen: both patterns match their opening quote alone
            return self._mark(None, start + 1)
        literal = match.group()
        body = literal[1:-1] if len(literal) > 1 and literal.endswith(literal[0]) else literal[1:]
        return self._mark(_unescape(body, interpolates=interpolates), match.end())

    def _percent(self, lead: str, start: int) -> int:
        text = self.text
        before = "".join(self.out[-2:])[-64:]
        if _OPERAND_END.search(before) and text[start + 1 : start + 2] in (" ", "\t", "="):
            self.out.append("%")
            return start + 1
        kind = lead[1:]
        opener_at = start + len(lead)
        if opener_at >= len(text):
            self.out.append(lead)
            return opener_at
        opener = text[opener_at]
        end = delimited_end(text, opener_at + 1, opener, _PAIRS.get(opener, opener))
        body = text[opener_at + 1 : end - 1] if end <= len(text) and end > opener_at + 1 else ""
        if kind == "q":
            return self._mark(_unescape(body, interpolates=False), end)
        if kind in ("", "Q"):
            return self._mark(_unescape(body, interpolates=True), end)
        return self._mark(None, end)  # %w[] arrays, %r{} regexes, %s symbols, %x() commands

    def _heredoc(self, start: int) -> int:
        match = _HEREDOC.match(self.text, start)
        if match is None or (not match.group(1) and not match.group(3).isupper()):
            self.out.append("<<")  # `list << item` or `x <<y`: the append operator
            return start + 2
        self.heredocs.append((match.group(3), bool(match.group(1))))
        return self._mark(None, match.end())

    def _skip_heredoc_bodies(self, pos: int) -> int:
        for terminator, indented in self.heredocs:
            pos = next(
                (
                    line.end()
                    for line in _WORD_LINE.finditer(self.text, pos)
                    if line.group(2) == terminator and (indented or not line.group(1))
                ),
                len(self.text),
            )
        self.heredocs.clear()
        return pos


def scan(text: str) -> RubySource:
    return _Masker(text).run()


def delimited_end(text: str, pos: int, opener: str, closer: str) -> int:
    """Index just past the `closer` that ends a literal opened before `pos`; brackets nest."""
    depth = 1
    for match in _delimiter_pattern(opener, closer).finditer(text, pos):
        lead = match.group()
        if lead.startswith("\\"):
            continue
        if lead == closer:
            depth -= 1
            if depth == 0:
                return match.end()
        else:
            depth += 1
    return len(text)


@cache
def _delimiter_pattern(opener: str, closer: str) -> re.Pattern[str]:
    return re.compile(r"\\.|[" + re.escape(opener + closer) + "]", re.DOTALL)


def _unescape(body: str, *, interpolates: bool) -> str | None:
    if interpolates and _INTERPOLATION.search(body):
        return None
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def spec_block(source: RubySource, constructor: str) -> SpecBlock | None:
    """The first `<constructor>.new` block: its variables and positional name, if any."""
    pattern = re.compile(
        r"(?<![\w:])(?:::)?" + constructor + r"\.new\b[ \t]*\(?[ \t]*(?:" + MARK + r")?([^\n]*)"
    )
    match = pattern.search(source.code)
    if match is None:
        return None
    code = source.code
    # `spec = Gem::Specification.new` followed by `spec.name = ...` statements, without a block.
    line_start = code.rfind("\n", 0, match.start()) + 1
    assigned = re.fullmatch(r"[ \t]*([a-z_]\w*)[ \t]*=[ \t]*", code[line_start : match.start()])
    variables = {assigned.group(1)} if assigned else set()
    block = re.search(r"(?:\bdo\b|\{)[ \t]*\|[ \t]*([a-z_]\w*)", match.group(2))
    if block:
        variables.add(block.group(1))
    positional = source.literal(match.group(1)) if match.group(1) else None
    return SpecBlock(frozenset(variables), positional, match.start())


def attribute(source: RubySource, block: SpecBlock, name: str, filename: str) -> str | Computed | None:
    """The value of the last `var.<name> = ...` for the block's variables; None when never assigned."""
    if not block.variables:
        return None
    receivers = "|".join(re.escape(v) for v in sorted(block.variables))
    pattern = re.compile(r"(?<![\w.@$:])(?:" + receivers + r")\." + name + r"[ \t]*=(?![=~>])[ \t]*([^\n;]*)")
    found = list(pattern.finditer(source.code, block.start))
    if not found:
        return None
    return evaluate(source, found[-1].group(1), found[-1].start(), filename)


_LONGEST_EXPRESSION = 300  # a name expression is short; longer text is not worth (or safe) to match
_TRAILING = re.compile(r"(?:\.(?:freeze|dup|to_s)\b|[ \t]+(?:if|unless)\b.*|[ \t]*\}|[ \t]+end)[ \t]*$")
_IDENTIFIER = re.compile(r"(?:(?:::)?[A-Z]\w*::)*([A-Za-z_]\w*)")
_BASENAME = re.compile(
    r"File\.basename[ (][ \t]*__FILE__[ \t]*,[ \t]*(?:" + MARK + r"|File\.extname\(__FILE__\))[ \t]*\)?"
)
_BASENAME_CHOMP = re.compile(r"File\.basename\(__FILE__\)\.(?:chomp|delete_suffix)\(" + MARK + r"\)")


def evaluate(
    source: RubySource, expression: str, before: int, filename: str, depth: int = 0
) -> str | Computed:
    """A Ruby expression's value when the file spells it out; `Computed` otherwise."""
    expression = expression.strip()
    if len(expression) > _LONGEST_EXPRESSION:
        return Computed(render(source, expression))
    for _ in range(3):  # `"x".freeze }` peels off in two steps
        expression = _TRAILING.sub("", expression).strip()
    if (match := re.fullmatch(MARK, expression)) is not None:
        value = source.literal(match.group(1))
        return value if value is not None else Computed(render(source, expression))
    if (match := _BASENAME.fullmatch(expression)) is not None:
        suffix = source.literal(match.group(1)) if match.group(1) else ".*"
        return _basename(filename, suffix)
    if (match := _BASENAME_CHOMP.fullmatch(expression)) is not None:
        return _basename(filename, source.literal(match.group(1)))
    if depth < 4 and (match := _IDENTIFIER.fullmatch(expression)) is not None:
        assignment = _variable(source, match.group(1), before)
        if assignment is not None:
            return evaluate(source, assignment[0], assignment[1], filename, depth + 1)
    return Computed(render(source, expression))


def _variable(source: RubySource, name: str, before: int) -> tuple[str, int] | None:
    """The right-hand side of the assignment to `name` that is in force at `before`."""
    pattern = re.compile(r"(?<![\w.@$:])" + re.escape(name) + r"[ \t]*=(?![=~>])[ \t]*([^\n;]*)")
    found = [(m.group(1), m.start()) for m in pattern.finditer(source.code)]
    earlier = [item for item in found if item[1] < before]
    if earlier:
        return earlier[-1]
    return found[0] if found else None


def _basename(filename: str, suffix: str | None) -> str:
    stem = filename.rsplit("/", 1)[-1]
    if suffix == ".*":
        return stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    if suffix and stem.endswith(suffix) and stem != suffix:
        return stem[: -len(suffix)]
    return stem


def render(source: RubySource, expression: str) -> str:
    """`expression` with its literals written back, shortened for a recorded detail."""

    def literal(match: re.Match[str]) -> str:
        value = source.literal(match.group(1))
        return '"…"' if value is None else f'"{value}"'

    text = re.sub(MARK, literal, expression)
    return text if len(text) <= 80 else text[:79] + "…"
