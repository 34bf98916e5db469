"""A declared name counts only if its ecosystem's registry could hold it: otherwise `invalid_name`, never
intent, never an orphan. Examples from each ecosystem's own rules and documentation."""

from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.names import RULES, name_problem
from distscout.manifests.registry import read_manifest

VALID = {
    "npm": ["express", "@babel/core", "lodash.merge", "JSONStream", "a-b_c~d", "@types/node"],
    "pypi": ["requests", "Django", "zope.interface", "backports_abc", "A", "a-b"],
    "cargo": ["serde", "serde_json", "tokio-util", "a"],
    "maven": ["org.apache.commons:commons-lang3", "com.google.guava:guava"],
    "go": ["github.com/acme/widget", "golang.org/x/mod", "example.com/m/v2", "myapp"],
    "rubygems": ["rails", "activesupport", "net-http", "ruby_parser", "3scale_client"],
    "composer": ["symfony/console", "laravel/framework", "acme/my-package", "a.b/c_d"],
    "nuget": ["Newtonsoft.Json", "Microsoft.Extensions.Logging", "xunit"],
    "pub": ["http", "flutter_bloc"],
    "hex": ["phoenix", "ecto_sql"],
    "conda": ["numpy", "scikit-learn", "python-dateutil", "r.utils"],
    "cran": ["ggplot2", "data.table", "Rcpp"],
    "hackage": ["base", "text-show", "aeson"],
    "julia": ["DataFrames", "Plots"],
    "conan": ["zlib", "boost", "openssl"],
    "cocoapods": ["Alamofire", "AFNetworking", "Firebase-Core"],
}
INVALID = {
    "npm": [
        ".hidden",
        "_private",
        "has space",
        "bad\u00ff\u00fe\u00c3(name",
        "=HYPERLINK(x)",
        "@scope",
        "a/b",
    ],
    "pypi": ["-leading", "trailing-", "has space", "b\u00e4d", "=cmd|x", "a/b"],
    "cargo": ["1starts-with-digit", "has.dot", "a" * 65, "b\u00e4d"],
    "maven": ["no-colon", "group:", "g:a:b c", "g/x:a"],
    "go": ["github.com//double", ".hidden/x", "a/b.", "sp ace"],
    "rubygems": ["has space", "123", "b\u00e4d"],
    "composer": ["NoVendor", "Upper/Case", "vendor/", "/pkg"],
    "nuget": ["has space", "a" * 101, ".leading"],
    "pub": ["1abc", "has-dash"],
    "hex": ["Upper", "has-dash", "1x"],
    "conda": ["Upper", "has space", "-leading"],
    "cran": ["1abc", "a", "trailing.", "has_underscore"],
    "hackage": ["123", "a--b", "-x"],
    "julia": ["1x", "has-dash"],
    "conan": ["a", "-x", "has space"],
    "cocoapods": ["has space", "a/b", ".hidden"],
}


@pytest.mark.parametrize(("ecosystem", "name"), [(e, n) for e, names in VALID.items() for n in names])
def test_valid_names_pass(ecosystem: str, name: str) -> None:
    assert name_problem(ecosystem, name) is None


@pytest.mark.parametrize(("ecosystem", "name"), [(e, n) for e, names in INVALID.items() for n in names])
def test_invalid_names_are_refused_with_a_reason(ecosystem: str, name: str) -> None:
    problem = name_problem(ecosystem, name)
    assert problem is not None and problem.strip()


def test_every_ecosystem_with_a_rule_is_exercised() -> None:
    assert set(RULES) == set(VALID) == set(INVALID)
    assert name_problem("swiftpm", "anything at all") is None, "SwiftPM packages are identified by URL"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("package.json", '{"name": "=HYPERLINK(\\"http://evil.example\\",\\"x\\")"}'),
        ("package.json", '{"name": "bad\u00ff\u00fe\u00c3(name"}'),
        ("Cargo.toml", '[package]\nname = "../../etc"\n'),
        ("setup.cfg", "[metadata]\nname = -rf\n"),
    ],
)
def test_a_manifest_with_an_invalid_name_declares_no_intent(path: str, text: str) -> None:
    declaration = read_manifest(path, text)
    assert declaration is not None
    assert declaration.status is ParseStatus.INVALID_NAME and declaration.intent is False
    assert declaration.normalized_name is None and declaration.purl is None, "it can match nothing"
    assert declaration.intent_reason.startswith("invalid name: ")
