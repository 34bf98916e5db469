"""Tokens as an operator writes them: a list in the environment, one a line in a file.

Every problem is a one-line ValueError that names where the token is (a position, a line), never the
token: a token that reached a request header malformed was refused there with an error that quoted it,
and that error was stored and shown on unauthenticated pages.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

# GitHub's tokens are letters, digits and `_` (ghp_…, github_pat_…, ghs_…; 40 hex digits of old); GitLab's
# add `-` (glpat-…). The rest of these are base64's and URL-safe base64's, for other issuers.
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_.~+/=-]+")
_INLINE_COMMENT = re.compile(r"\s+#.*$")


def token_problem(token: str) -> str | None:
    """What makes `token` no token (said without it), or None."""
    if "$" in token:
        return (
            "holds a '$': an environment variable that was not expanded (podman-compose 1.0 leaves "
            "${VAR:-} as written); set the token itself, or leave the setting unset for none"
        )
    if _TOKEN_CHARACTERS.fullmatch(token):
        return None
    position, character = next((i, c) for i, c in enumerate(token) if not _TOKEN_CHARACTERS.fullmatch(c))
    return f"holds {_named(character)} at character {position + 1}, which no token has"


def _named(character: str) -> str:
    if character == "\ufeff":
        return "a byte-order mark (U+FEFF, from an editor's 'UTF-8 with BOM')"
    if character.isspace():
        return "a space" if character == " " else f"white space (U+{ord(character):04X})"
    if not character.isprintable():
        return f"a control character (U+{ord(character):04X})"
    if ord(character) > 0x7E:
        return f"a non-ASCII character (U+{ord(character):04X} {unicodedata.name(character, '?')})"
    return f"a {character!r}"


def split_token_list(value: str) -> tuple[str, ...]:
    """An environment variable's tokens: separated by commas or white space, or a JSON list (the form
    pydantic-settings reads for other list settings, such as DISTSCOUT_ALLOWED_HOSTS)."""
    if value.lstrip().startswith("["):
        try:
            listed = json.loads(value)
        except ValueError:
            raise ValueError("starts with '[' but is no JSON list of strings") from None
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise ValueError("starts with '[' but is no JSON list of strings")
        tokens = tuple(t.strip() for t in listed if t.strip())  # `[]`: none, as said
    else:
        tokens = tuple(t for t in re.split(r"[,\s]+", value) if t)
        if value and not tokens:  # `$A,$B` with neither set: a mistake, not "scan anonymously"
            raise ValueError("holds no token (comma-separated; leave it unset for none)")
    return tokens  # each checked by `refuse_malformed`, as a list from config.toml is


def refuse_malformed(tokens: Sequence[str]) -> None:
    """A ValueError naming the first token that is no token, by its place in the list (never by itself)."""
    for number, token in enumerate(tokens, 1):
        if problem := token_problem(token):
            raise ValueError(f"{problem} (token {number})" if len(tokens) > 1 else problem)


def read_token_file(path: Path) -> tuple[str, ...]:
    """The tokens of a file, one a line: blank lines and `#` comments (a line's own, or after a token and
    white space) skipped; a byte-order mark at the start is no part of the first token."""
    try:
        text = path.expanduser().read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read the GitHub tokens file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"the GitHub tokens file {path} is not UTF-8 text") from None
    tokens = []
    for number, line in enumerate(text.splitlines(), 1):
        token = _INLINE_COMMENT.sub("", line).strip()
        if not token or token.startswith("#"):
            continue
        if problem := token_problem(token):
            more = " (one token a line)" if re.search(r"[\s,]", token) else ""
            raise ValueError(f"the GitHub tokens file {path}: line {number} {problem}{more}")
        tokens.append(token)
    if not tokens:
        raise ValueError(f"the GitHub tokens file {path} holds no token (one a line)")
    return tuple(tokens)
