"""Is a declared name one its ecosystem's registry could hold? Each ecosystem's own rule, by its own source.

A manifest is untrusted text: a name a registry would refuse (`badÿþ(name`, `=HYPERLINK(…)`, `../x`) can
never be published, so it is no evidence of intent and never an orphan. The registry marks it
`invalid_name` with the rule's reason. Where a rule has a softer "should" (npm's lower case for new
packages, pub's lower case), the hard rule is used: an old valid name is never called invalid, since a
real published package would then look unclaimed.

Every rule runs in time linear in the name (a name can be as long as a manifest, 1 MiB): the patterns
are written so that a near miss cannot backtrack (possessive quantifiers, one way to split a name), or
the rule is plain code. Rules are written from each registry's documented rule or source, cited at
each; none is copied.

A rule change changes what every manifest row says: bump the parser versions (registry.py), and rows
are rebuilt from their captures (a reprocess).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_Rule = Callable[[str], str | None]

# No registry's alphabet has control, format (bidi overrides, zero-width), surrogate or private-use
# characters, nor U+FFFD, the mark of bytes that were not text. Checked for every ecosystem, SwiftPM too.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co"})


def _unprintable(name: str) -> str | None:
    if any(ch == "\ufffd" or unicodedata.category(ch) in _UNPRINTABLE for ch in name):
        return "contains a control, format or replacement character"
    return None


# --- npm: validate-npm-package-name (lib/index.js), its errors; warnings only bar *new* names -------------

# What encodeURIComponent leaves alone: letters, digits and - _ . ! ~ * ' ( )
_URL_SAFE = re.compile(r"[A-Za-z0-9\-_.!~*'()]++")


def _npm(name: str) -> str | None:
    # Capitals, more than 214 characters, core module names and ~'!()* are warnings: old packages
    # (JSONStream, …) carry them and still publish, so they are not refused here.
    if name.startswith("."):
        return "cannot start with a period"
    if name.startswith("_"):
        return "cannot start with an underscore"
    if name.lower() in ("node_modules", "favicon.ico"):
        return "a name npm excludes"
    if _URL_SAFE.fullmatch(name):
        return None
    # @scope/name: the one / allowed, each side URL-safe, the package part not starting with a period
    scope, slash, package = name[1:].partition("/")
    if name.startswith("@") and slash and scope and package and "/" not in package:
        if package.startswith("."):
            return "cannot start with a period"
        if _URL_SAFE.fullmatch(scope) and _URL_SAFE.fullmatch(package):
            return None
    return "can only contain URL-friendly characters (letters, digits, - _ . ! ~ * ' ( ), one @scope/)"


# --- PyPI: PEP 508's name, ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ case-insensitively ----------------
# Spelled with explicit ASCII classes: Python's re.IGNORECASE would also let the Kelvin sign match K.

_PEP508_BODY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*+")


def _pypi(name: str) -> str | None:
    if _PEP508_BODY.fullmatch(name) and name[-1].isascii() and name[-1].isalnum():
        return None
    return "not a PEP 508 name (ASCII letters, digits, . _ -; a letter or digit at each end)"


# --- crates.io: Crate::valid_name (src/models/krate.rs): ASCII alphanumerics, - and _, a letter first,
# at most 64 characters (cargo itself allows more, but the registry does not) ------------------------------

_CRATE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


def _cargo(name: str) -> str | None:
    if _CRATE.fullmatch(name):
        return None
    return "not a crates.io name (ASCII letters, digits, - _; a letter first; at most 64)"


# --- Maven: DefaultModelValidator's ID_REGEX [A-Za-z0-9_\-.]+ for groupId and for artifactId --------------
# (an unresolved ${property} fails it, as Maven itself refuses to deploy one)

_MAVEN_ID = re.compile(r"[A-Za-z0-9_.-]++")


def _maven(name: str) -> str | None:
    group, _, artifact = name.partition(":")
    if _MAVEN_ID.fullmatch(group) and _MAVEN_ID.fullmatch(artifact):
        return None
    return "not groupId:artifactId of letters, digits, _ - ."


# --- Go: golang.org/x/mod module.CheckPath (the proxy serves nothing else) -------------------------------

_GO_ELEMENT = re.compile(r"[A-Za-z0-9+\-._~]++")  # pathOK
_GO_FIRST = re.compile(r"[a-z0-9.-]++")  # firstPathOK: a lower-case domain
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
_DIGITS = frozenset("0123456789")


def _go(path: str) -> str | None:
    if path.startswith("-"):
        return "leading dash"
    if "//" in path:
        return "double slash"
    if path.endswith("/"):
        return "trailing slash"
    for element in path.split("/"):
        problem = _go_element(element)
        if problem is not None:
            return problem
    first = path.split("/", 1)[0]
    if "." not in first:
        return "missing dot in first path element"
    if not _GO_FIRST.fullmatch(first):
        return "invalid char in first path element (lower-case letters, digits, - .)"
    if not _go_major_suffix_ok(path):
        return "invalid version suffix (/vN with N >= 2, no leading zero; gopkg.in paths end in .vN)"
    return None


def _go_element(element: str) -> str | None:
    if not element:
        return "empty path element"
    if element.strip(".") == "":
        return f"invalid path element {element!r}"
    if element.startswith("."):
        return "leading dot in path element"
    if element.endswith("."):
        return "trailing dot in path element"
    if not _GO_ELEMENT.fullmatch(element):
        return "invalid char in path element (ASCII letters, digits, + - . _ ~)"
    if element.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        return "a path element Windows reserves (CON, NUL, COM1 …)"
    return None


def _go_major_suffix_ok(path: str) -> bool:
    """module.SplitPathVersion's `ok`: a final /vN is N >= 2 without a leading zero or dots."""
    if path.startswith("gopkg.in/"):
        return _gopkg_in_ok(path)
    i, dot = len(path), False
    while i > 0 and (path[i - 1] in _DIGITS or path[i - 1] == "."):
        dot = dot or path[i - 1] == "."
        i -= 1
    if i <= 1 or i == len(path) or path[i - 1] != "v" or path[i - 2] != "/":
        return True
    major = path[i - 2 :]
    return not (dot or len(major) <= 2 or major[2] == "0" or major == "/v1")


def _gopkg_in_ok(path: str) -> bool:
    i = len(path) - (len("-unstable") if path.endswith("-unstable") else 0)
    while i > 0 and path[i - 1] in _DIGITS:
        i -= 1
    if i <= 1 or path[i - 1] != "v" or path[i - 2] != ".":
        return False
    major = path[i - 2 :]
    return not (len(major) <= 2 or (major[2] == "0" and major != ".v0"))


# --- RubyGems: Gem::SpecificationPolicy#validate_name (what `gem build` and the push check) -----------------

_GEM = re.compile(r"[A-Za-z0-9._-]++")
_LETTER = re.compile(r"[A-Za-z]")


def _rubygems(name: str) -> str | None:
    if not _LETTER.search(name):
        return "must include at least one letter"
    if not _GEM.fullmatch(name):
        return "can only include letters, numbers, dashes, underscores and periods"
    if name[0] in "._-":
        return "can not begin with a period, dash, or underscore"
    return None


# --- Composer: composer-schema.json "name": vendor/package in lower case --------------------------------
# The schema's ^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$, respelled so that a run of
# letters splits one way only (as written it takes exponential time to refuse a long near miss).

_COMPOSER = re.compile(r"[a-z0-9]++(?:[_.-][a-z0-9]++)*+/[a-z0-9]++(?:(?:[_.]|--?)[a-z0-9]++)*+")


def _composer(name: str) -> str | None:
    return None if _COMPOSER.fullmatch(name) else "not a lower-case vendor/package"


# --- NuGet: NuGet.Packaging PackageIdValidator: ^\w+([.-]\w+)*$ in .NET, at most 100 characters ----------
# .NET's \w is [\p{L}\p{Mn}\p{Nd}\p{Pc}] over UTF-16 code units (so no character beyond the BMP), and
# its length counts those units.

_DOTNET_WORD = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Nd", "Pc"})
_NUGET_SEPARATORS = re.compile(r"[.-]")


def _nuget(name: str) -> str | None:
    if len(name.encode("utf-16-le")) // 2 > 100:
        return "longer than 100 characters"
    for part in _NUGET_SEPARATORS.split(name):
        if not part or not all(ord(ch) <= 0xFFFF and unicodedata.category(ch) in _DOTNET_WORD for ch in part):
            return "not a NuGet package id (words of letters, digits, _ joined by single . or -)"
    return None


# --- pub: pub's NameValidator (lib/src/validator/name.dart); reserved words as pub.dev refuses them -------
# (pub-dev's package reader, names.dart: `async`, `base` and `when` are left out there, as packages hold
# them). Capitals are only a warning: pub.dev keeps mixed-case packages.

_DART_IDENTIFIER = re.compile(r"[A-Za-z0-9_]++")
_DART_RESERVED = frozenset(
    [
        "abstract",
        "as",
        "assert",
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "covariant",
        "default",
        "deferred",
        "do",
        "dynamic",
        "else",
        "enum",
        "export",
        "extends",
        "extension",
        "external",
        "factory",
        "false",
        "final",
        "finally",
        "for",
        "get",
        "hide",
        "if",
        "implements",
        "import",
        "in",
        "interface",
        "is",
        "late",
        "library",
        "mixin",
        "new",
        "null",
        "of",
        "on",
        "operator",
        "part",
        "required",
        "rethrow",
        "return",
        "set",
        "show",
        "static",
        "super",
        "switch",
        "sync",
        "this",
        "throw",
        "true",
        "try",
        "typedef",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ]
)


def _pub(name: str) -> str | None:
    if not _DART_IDENTIFIER.fullmatch(name):
        return "may only contain letters, numbers, and underscores"
    if name[0].isdigit():
        return "must begin with a letter or underscore"
    if name.lower() in _DART_RESERVED:
        return "may not be a reserved word in Dart"
    return None


# --- Hex: hexpm's Package changeset: ~r"^[a-z]\w*$" (ASCII \w), at least 2 characters --------------------
# (Its reserved names are held for their owners, phoenix_live_view among them: not a reason to refuse.)

_HEX = re.compile(r"[a-z][A-Za-z0-9_]++")


def _hex(name: str) -> str | None:
    return None if _HEX.fullmatch(name) else "not a Hex name (a lower-case letter, then letters, digits, _)"


# --- conda: CEP 26 (package names), the rule conda-build's lower-case check and rattler-build share ------
# Lower-case ASCII letters, digits, - . _; a letter, digit or single _ first; no two separators in a
# row; at most 64 characters. (The CEP states every package on defaults and conda-forge passes.)

_CONDA = re.compile(r"(?:[a-z0-9]|[a-z0-9_](?!_))[._-]?(?:[a-z0-9]+(?:\.|-|_|$))*")


def _conda(name: str) -> str | None:
    if len(name) > 64:
        return "longer than 64 characters"
    if _CONDA.fullmatch(name) is None:
        return "not a conda package name (lower-case letters, digits, single - . _ between them)"
    return None


# --- CRAN: "Writing R Extensions" 1.1.1 (and tools' valid_package_name regex) -----------------------------
# ASCII letters, digits and dots; at least two characters; a letter first; no dot last.

_R_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9.]++")


def _cran(name: str) -> str | None:
    if _R_PACKAGE.fullmatch(name) and not name.endswith("."):
        return None
    return "not an R package name (letters, digits, .; a letter first, no . last, 2+ characters)"


# --- Hackage: Cabal's package-name parser (parsecUnqualComponentName): alphanumeric components joined --
# by single hyphens, none of them all digits.


def _hackage(name: str) -> str | None:
    for component in name.split("-"):
        if not component or not component.isalnum():
            return "not a Cabal package name (alphanumeric words joined by single hyphens)"
        if all(ch in _DIGITS for ch in component):
            return "a word of a Cabal package name is all digits"
    return None


# --- Julia: Pkg takes a package name only if it is a Julia identifier (Base.isidentifier). Python's -----
# identifiers are the same letters and digits; Julia also allows ! after the first character.


def _julia(name: str) -> str | None:
    if (name[0] + name[1:].replace("!", "_")).isidentifier():
        return None
    return "not a Julia identifier"


# --- Conan: RecipeReference.validate_ref (conans/model/recipe_ref.py), with upper case allowed as ---------
# `core:allow_uppercase_pkg_names` permits.

_CONAN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+.-]{1,100}")


def _conan(name: str) -> str | None:
    return (
        None if _CONAN.fullmatch(name) else "not a Conan package name (2 to 101 of letters, digits, _ + . -)"
    )


# --- CocoaPods: Specification::Linter#_validate_name, what `pod spec lint` and trunk apply ---------------
# No slash, no (Ruby \s) whitespace, not starting with a period; anything else goes (ChatK!t, emoji …).

_RUBY_SPACE = frozenset(" \t\r\n\f\v")


def _cocoapods(name: str) -> str | None:
    if "/" in name:
        return "should not contain a slash"
    if any(ch in _RUBY_SPACE for ch in name):
        return "should not contain whitespace"
    if name.startswith("."):
        return "should not begin with a period"
    return None


RULES: dict[str, _Rule] = {
    "npm": _npm,
    "pypi": _pypi,
    "cargo": _cargo,
    "maven": _maven,
    "go": _go,
    "rubygems": _rubygems,
    "composer": _composer,
    "nuget": _nuget,
    "pub": _pub,
    "hex": _hex,
    "conda": _conda,
    "cran": _cran,
    "hackage": _hackage,
    "julia": _julia,
    "conan": _conan,
    "cocoapods": _cocoapods,
}


def name_problem(ecosystem: str, name: str) -> str | None:
    """Why `name` cannot be a package of `ecosystem`; None when it can.

    SwiftPM has no rule of its own: `Package(name:)` is display text (spaces allowed) and packages are
    identified by their repository URL; only the characters no registry takes are refused there.
    """
    if not name:
        return "empty"
    problem = _unprintable(name)
    if problem is not None:
        return problem
    rule = RULES.get(ecosystem)
    return rule(name) if rule is not None else None
