"""Is a declared name one its ecosystem's registry could hold? Each ecosystem's own rule, by its own source.

A manifest is untrusted text: a name a registry would refuse (`badÿþ(name`, `=HYPERLINK(…)`, `../x`) can
never be published, so it is no evidence of intent and never an orphan. The registry marks it
`invalid_name` with the rule's reason. Where a rule has a softer "should" (npm's lower case for new
packages), the hard rule is used: an old valid name is never called invalid.

A rule change is an interpreter change: bump interpret.INTERPRETER_VERSION, and every manifest row is
rebuilt from its captures (a reprocess).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Rule = Callable[[str], str | None]


def _pattern(regex: str, reason: str, flags: int = 0) -> _Rule:
    compiled = re.compile(regex, flags)
    return lambda name: None if compiled.fullmatch(name) else reason


def _npm(name: str) -> str | None:
    # validate-npm-package-name's errors (not its warnings, which old packages may carry: capitals, more
    # than 214 characters, ~'!()*): no leading . or _, no spaces, and URL-safe — what encodeURIComponent
    # leaves alone (letters, digits, - _ . ! ~ * ' ( )) — apart from the / of one @scope/
    scope, slash, bare = name[1:].partition("/") if name.startswith("@") else ("", "", name)
    if name.startswith("@") and not (slash and scope and bare):
        return "not @scope/name"
    if bare.startswith((".", "_")):
        return "starts with . or _"
    if name.lower() in ("node_modules", "favicon.ico"):
        return "a name npm reserves"
    if not all(_NPM_URL_SAFE.fullmatch(part) for part in ((scope, bare) if slash else (bare,))):
        return "not URL-safe (letters, digits, - _ . ! ~ * ' ( ) only)"
    return None


_NPM_URL_SAFE = re.compile(r"[A-Za-z0-9_.!~*'()-]+")


def _maven(name: str) -> str | None:
    # Maven's model validator: groupId and artifactId each match [A-Za-z0-9_\-.]+
    group, _, artifact = name.partition(":")
    part = re.compile(r"[A-Za-z0-9_.-]+")
    if not (part.fullmatch(group) and part.fullmatch(artifact)):
        return "not groupId:artifactId of letters, digits, _ - ."
    return None


def _go(name: str) -> str | None:
    # golang.org/x/mod/module.CheckPath's characters: path elements of letters, digits and - . _ ~,
    # none empty, none starting or ending with a dot
    elements = name.split("/")
    for element in elements:
        if not element or not re.fullmatch(r"[A-Za-z0-9._~-]+", element):
            return "not a module path (elements of letters, digits, - . _ ~)"
        if element.startswith(".") or element.endswith("."):
            return "a path element starts or ends with a dot"
    return None


def _rubygems(name: str) -> str | None:
    # RubyGems' Specification#validate: /\A[a-zA-Z0-9\.\-\_]+\z/, and at least one letter
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        return "not a gem name (letters, digits, . - _)"
    if not re.search(r"[A-Za-z]", name):
        return "a gem name needs a letter"
    return None


RULES: dict[str, _Rule] = {
    "npm": _npm,
    # PEP 508 (the "name" production), as packaging's NAME regex reads it
    "pypi": _pattern(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", "not a PEP 508 name", re.IGNORECASE),
    # crates.io: ASCII letters, digits, - and _, starting with a letter, at most 64 characters
    "cargo": _pattern(r"[A-Za-z][A-Za-z0-9_-]{0,63}", "not a crates.io name"),
    "maven": _maven,
    "go": _go,
    "rubygems": _rubygems,
    # composer's JSON schema for "name": vendor/package in lower case
    "composer": _pattern(
        r"[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*", "not a lower-case vendor/package"
    ),
    # NuGet's PackageIdValidator: at most 100 characters of \w+([.-]\w+)*
    "nuget": _pattern(r"(?=.{1,100}$)\w+([.-]\w+)*", "not a NuGet package id", re.ASCII),
    # Dart: a package name is a Dart identifier
    "pub": _pattern(r"[A-Za-z_][A-Za-z0-9_]*", "not a Dart identifier"),
    # Hex: lower-case letters, digits and _, starting with a letter
    "hex": _pattern(r"[a-z][a-z0-9_]*", "not a Hex name (lower-case, digits, _)"),
    # conda's MatchSpec package names: lower-case letters, digits, - _ .
    "conda": _pattern(r"[a-z0-9_][a-z0-9_.-]*", "not a conda package name (lower-case, digits, - _ .)"),
    # R's "Writing R Extensions": letters, digits and ., at least two characters, a letter first, no
    # trailing dot
    "cran": _pattern(r"[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]", "not an R package name"),
    # Cabal: hyphen-separated components of letters and digits, each with a letter
    "hackage": _pattern(
        r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*)*", "not a Cabal package name"
    ),
    # Julia's General registry: an ASCII identifier
    "julia": _pattern(r"[A-Za-z_][A-Za-z0-9_]*", "not a Julia package name"),
    # Conan references: name of letters, digits, _ + . -, 2 to 101 characters, not starting with - . +
    "conan": _pattern(r"[A-Za-z0-9_][A-Za-z0-9_+.-]{1,100}", "not a Conan package name"),
    # CocoaPods' linter: no whitespace, no slash, not starting with a dot
    "cocoapods": _pattern(r"[^\s/.][^\s/]*", "not a pod name (no whitespace or /)"),
}


def name_problem(ecosystem: str, name: str) -> str | None:
    """Why `name` cannot be a package of `ecosystem` (None: it can, or the ecosystem has no rule: SwiftPM
    identifies packages by repository URL)."""
    rule = RULES.get(ecosystem)
    return rule(name) if rule is not None else None
