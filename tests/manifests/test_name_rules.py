"""A declared name counts only if its ecosystem's registry could hold it: otherwise `invalid_name`, never
intent, never an orphan. Examples from each ecosystem's own rules, documentation and test suites."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.names import RULES, name_problem
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

LONG_NPM = "ifyouwanttogetthesumoftwonumbers" * 7  # > 214: refused for new packages only

VALID = {
    # validate-npm-package-name's own test cases; capitals, core names and !~*'() only bar new packages
    "npm": [
        "some-package",
        "example.com",
        "under_score",
        "period.js",
        "123numeric",
        "crazy!",
        "@npm/thingy",
        "@npm-zors/money!time.js",
        "@scope/_underscore-after-scope",
        "CAPITAL-LETTERS",
        "JSONStream",
        "http",
        LONG_NPM,
    ],
    "pypi": ["requests", "Django", "zope.interface", "backports_abc", "A", "a-b", "1password", "a..b"],
    "cargo": ["serde", "serde_json", "tokio-util", "a", "a" * 64, "Inflector"],
    "maven": ["org.apache.commons:commons-lang3", "com.google.guava:guava", "g_1:a-b.c"],
    # golang.org/x/mod's checkPathTests, the ok ones
    "go": [
        "x.y/z",
        "x.y",
        "x..y/z",
        "x.y/z/v2",
        "x.y-/z",
        "x.y/z+",
        "x.y/z~",
        "x.y/x.foo",
        "x.y/prn2",
        "x.y/calm1",
        "gopkg.in/yaml.v2",
        "gopkg.in/yaml.v0",
        "github.com/GoogleCloudPlatform/omega",
        "golang.org/x/mod",
    ],
    "rubygems": ["rails", "activesupport", "net-http", "ruby_parser", "3scale_client", "a.b"],
    "composer": ["symfony/console", "laravel/framework", "acme/my-package", "a.b/c_d", "a/b--c", "0/0"],
    "nuget": ["Newtonsoft.Json", "Microsoft.Extensions.Logging", "xunit", "_x", "Ünïcödé.Pkg", "a" * 100],
    # pub: mixed case is a warning (pub.dev keeps Autolinker, Pong …); async/when/base are held packages
    "pub": ["http", "flutter_bloc", "_private", "Autolinker", "async", "when"],
    "hex": ["phoenix", "ecto_sql", "phoenix_live_view", "aB", "ab"],
    # CEP 26: every name on defaults and conda-forge passes
    "conda": [
        "numpy",
        "scikit-learn",
        "python-dateutil",
        "r.utils",
        "_libgcc_mutex",
        "7za",
        "abc-",
        "a" * 64,
    ],
    "cran": ["ggplot2", "data.table", "Rcpp", "R6", "a.b.c"],
    "hackage": ["base", "text-show", "aeson", "HUnit", "a1-2b", "bytestring0"],
    "julia": ["DataFrames", "Plots", "JuMP", "_x", "Foo!"],
    "conan": ["zlib", "boost", "openssl", "Poco", "b2", "lib+.x-y_z"],
    # cocoapods trunk holds these (linter: no slash, no whitespace, no leading period)
    "cocoapods": [
        "Alamofire",
        "AFNetworking",
        "Firebase-Core",
        "ChatK!t",
        "AFDateHelper(icanzilb)",
        "Floater💩",
    ],
    # SwiftPM: Package(name:) is display text; packages are URLs
    "swiftpm": ["anything at all", "Socket.IO", "swift-nio"],
}
INVALID = {
    "npm": [
        ".start-with-period",
        "_start-with-underscore",
        "contain:colons",
        " leading-space",
        "trailing-space ",
        "s/l/a/s/h/e/s",
        "node_modules",
        "favicon.ico",
        "@npm/.thingy",
        "@scope",
        "@/name",
        "@a/b/c",
        "bad\u00ff\u00fe\u00c3(name",
        "=HYPERLINK(x)",
    ],
    "pypi": ["-leading", "trailing-", ".a", "has space", "b\u00e4d", "=cmd|x", "a/b", "\u212a"],
    "cargo": ["1starts-with-digit", "_under", "-dash", "has.dot", "a" * 65, "b\u00e4d"],
    "maven": ["no-colon", "group:", ":artifact", "g:a:b", "g a:b", "g/x:a", "org.acme:${project.name}"],
    # golang.org/x/mod's checkPathTests, the refused ones, and a module path with no domain
    "go": [
        "x.y/\ufffdz",
        "/x.y/z",
        "x./z",
        ".x/z",
        "-x/z",
        "x.y/z/../../w",
        "x.y//z",
        "x.y/z/",
        "x.y/z/v0",
        "x.y/z/v1",
        "x.y/z/v2.0",
        "X.y/z",
        "_x.y/z",
        "x.y+/z",
        "x.y/z!",
        "x.y/z@",
        "x.y/aux.foo",
        "x.y/com1",
        "github.com/user/unicode/испытание",
        "x☺y",
        "gopkg.in/yaml",
        "myapp",
    ],
    "rubygems": ["has space", "123", "b\u00e4d", "_leading", "-leading", ".leading"],
    "composer": ["NoVendor", "Upper/Case", "vendor/", "/pkg", "a/b---c", "a--b/c", "a/b-"],
    "nuget": ["has space", "a" * 101, ".leading", "a..b", "trailing-", "𝐀stral"],
    "pub": ["1abc", "has-dash", "class", "Class", "yield"],
    "hex": ["Upper", "has-dash", "1x", "a"],
    "conda": ["Upper", "has space", "-leading", "__glibc", "a--b", "a._b", "a" * 65, "ünï"],
    "cran": ["1abc", "a", "trailing.", "has_underscore", "ä1"],
    "hackage": ["123", "a--b", "-x", "x-", "a-1", "a_b"],
    "julia": ["1x", "has-dash", "!x", "Foo.jl"],
    "conan": ["a", "-x", "has space", ".x", "a" * 102],
    "cocoapods": ["has space", "a/b", ".hidden", "tab\tname"],
    "swiftpm": ["bidi\u202eoverride", "nul\x00byte", "replaced\ufffd"],
}


@pytest.mark.parametrize(("ecosystem", "name"), [(e, n) for e, names in VALID.items() for n in names])
def test_valid_names_pass(ecosystem: str, name: str) -> None:
    assert name_problem(ecosystem, name) is None


@pytest.mark.parametrize(("ecosystem", "name"), [(e, n) for e, names in INVALID.items() for n in names])
def test_invalid_names_are_refused_with_a_reason(ecosystem: str, name: str) -> None:
    problem = name_problem(ecosystem, name)
    assert problem is not None and problem.strip()


def test_every_ecosystem_with_a_rule_is_exercised() -> None:
    assert set(RULES) | {"swiftpm"} == set(VALID) == set(INVALID)


@pytest.mark.parametrize("ecosystem", [*RULES, "swiftpm"])
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\u202e", "\u200b", "\ufffd", "\ue000", "\ud800"])
def test_no_ecosystem_takes_control_format_or_replacement_characters(ecosystem: str, character: str) -> None:
    base = {"maven": "g:a", "composer": "a/b", "go": "a.b/c"}.get(ecosystem, "abc")
    assert name_problem(ecosystem, base + character) is not None


# A long near miss for each rule: letters, separators, then one refused character at the end. A pattern
# that can split the letters several ways (composer's schema as written) takes exponential time on these.
NEAR_MISSES: dict[str, Callable[[int], str]] = {
    "run": lambda n: "a" * n + "!",
    "separated": lambda n: "a-" * n + "a!",
    "dotted": lambda n: "a." * n + "a!",
    "underscored": lambda n: "a_" * n + "a!",
    "double-dashed": lambda n: "a--" * n + "a!",
    "scoped": lambda n: "@" + "a" * n + "/" + "a-" * n + "!",
    "vendor": lambda n: "a/" + "a-" * n + "a!",
    "group": lambda n: "a.b:" + "a" * n + "!",
    "path": lambda n: "a.b/" + "c/" * n + "!",
    "digits": lambda n: "1" * n + "!",
}


@pytest.mark.parametrize("ecosystem", [*RULES, "swiftpm"])
@pytest.mark.parametrize("shape", sorted(NEAR_MISSES))
def test_rules_take_linear_time(ecosystem: str, shape: str) -> None:
    make = NEAR_MISSES[shape]
    assert_linear(lambda n: name_problem(ecosystem, make(n)), 20_000)


# The respelled patterns accept exactly what the registries' own patterns accept (compared on short
# strings, where the originals' backtracking costs nothing).
COMPOSER_SCHEMA = re.compile(r"^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$")
PEP508 = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE | re.ASCII)
CRAN = re.compile(r"^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$")


@given(st.text(alphabet="ab0_.-/A!", max_size=12))
def test_composer_rule_is_the_schema(name: str) -> None:
    assert (name_problem("composer", name) is None) == (COMPOSER_SCHEMA.fullmatch(name) is not None)


@given(st.text(alphabet="aZ0_.-!é ", max_size=12))
def test_pypi_rule_is_pep_508(name: str) -> None:
    assert (name_problem("pypi", name) is None) == (bool(name) and PEP508.fullmatch(name) is not None)


@given(st.text(alphabet="aZ0_.!", max_size=12))
def test_cran_rule_is_writing_r_extensions(name: str) -> None:
    assert (name_problem("cran", name) is None) == (CRAN.fullmatch(name) is not None)


@given(st.sampled_from([*RULES, "swiftpm"]), st.text(max_size=300))
def test_any_text_gets_an_answer(ecosystem: str, name: str) -> None:
    problem = name_problem(ecosystem, name)
    assert problem is None or (isinstance(problem, str) and problem)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("package.json", '{"name": "=HYPERLINK(\\"http://evil.example\\",\\"x\\")"}'),
        ("package.json", '{"name": "bad\u00ff\u00fe\u00c3(name"}'),
        ("Cargo.toml", '[package]\nname = "../../etc"\n'),
        ("setup.cfg", "[metadata]\nname = -rf\n"),
        ("composer.json", '{"name": "' + "a" * 40 + '!/x"}'),
        ("go.mod", "module github.com/acme/widget/v1\n"),
        ("Package.swift", 'let package = Package(name: "swap\\u{202E}gnp.exe")\n'),
    ],
)
def test_a_manifest_with_an_invalid_name_declares_no_intent(path: str, text: str) -> None:
    declaration = read_manifest(path, text)
    assert declaration is not None
    assert declaration.status is ParseStatus.INVALID_NAME and declaration.intent is False
    assert declaration.normalized_name is None and declaration.purl is None, "it can match nothing"
    assert declaration.intent_reason.startswith("invalid name: ") and declaration.detail
    assert declaration.name is not None, "shown as declared"
