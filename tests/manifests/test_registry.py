from __future__ import annotations

from dataclasses import replace

import pytest

from distscout.manifests import registry
from distscout.manifests.declaration import Declaration, ParseStatus
from distscout.manifests.registry import ManifestParser, all_parsers, parser_for, read_manifest

# Every file design §3 names, plus go.mod: each must be claimed by exactly the right ecosystem.
DESIGN_FILES = {
    "package.json": "npm",
    "Cargo.toml": "cargo",
    "setup.py": "pypi",
    "setup.cfg": "pypi",
    "pyproject.toml": "pypi",
    "pom.xml": "maven",
    "build.gradle": "maven",
    "build.gradle.kts": "maven",
    "Gemfile": "rubygems",
    "acme.gemspec": "rubygems",
    "composer.json": "composer",
    "mix.exs": "hex",
    "Package.swift": "swiftpm",
    "pubspec.yaml": "pub",
    "Acme.Lib.csproj": "nuget",
    "Acme.fsproj": "nuget",
    "Acme.vbproj": "nuget",
    "aeson.cabal": "hackage",
    "conanfile.py": "conan",
    "conanfile.txt": "conan",
    "AcmeKit.podspec": "cocoapods",
    "Project.toml": "julia",
    "JuliaProject.toml": "julia",
    "DESCRIPTION": "cran",
    "meta.yaml": "conda",
    "recipe.yaml": "conda",
    "go.mod": "go",
}


@pytest.mark.parametrize(("filename", "ecosystem"), sorted(DESIGN_FILES.items()))
def test_every_design_file_is_claimed(filename: str, ecosystem: str) -> None:
    parser = parser_for(filename)
    assert parser is not None, f"no parser claims {filename}"
    assert parser.manifest_type == ecosystem


@pytest.mark.parametrize(
    "filename", ["README.md", "package-lock.json", "Cargo.lock", ".csproj", "setup.py.bak"]
)
def test_other_files_are_not_claimed(filename: str) -> None:
    assert parser_for(filename) is None
    assert read_manifest(filename, "anything") is None


def test_parser_keys_are_unique_and_versioned() -> None:
    keys = [p.key for p in all_parsers()]
    assert len(keys) == len(set(keys))
    assert all(p.version >= 1 for p in all_parsers())


def test_completion_fills_path_type_version_and_purl() -> None:
    d = read_manifest("sub/Cargo.toml", '[package]\nname = "Foo_Bar"\n')
    assert d is not None
    assert (d.path, d.manifest_type, d.parser_version) == ("sub/Cargo.toml", "cargo", "cargo/2")
    assert (d.normalized_name, d.purl) == ("foo-bar", "pkg:cargo/Foo_Bar")


def test_too_large_is_not_parsed() -> None:
    d = read_manifest("package.json", b'{"name": "x"}' + b" " * 100, max_bytes=50)
    assert d is not None and d.status is ParseStatus.TOO_LARGE and d.name is None and not d.intent


def test_nul_bytes_are_binary() -> None:
    d = read_manifest("package.json", b'{"name": "x"}\x00\x01')
    assert d is not None and d.status is ParseStatus.MALFORMED and "binary" in d.detail


def test_utf16_with_bom_and_no_latin1_fallback() -> None:
    d = read_manifest("package.json", '{"name": "wide"}'.encode("utf-16"))
    assert d is not None and d.name == "wide"
    d = read_manifest("package.json", '{"name": "caf\xe9"}'.encode("latin-1"))  # not UTF-8: no guessing
    assert d is not None and d.status is ParseStatus.MALFORMED and d.name is None


def test_location_removes_intent_with_a_reason() -> None:
    d = read_manifest("examples/tutorial/pyproject.toml", '[project]\nname = "flaskr"\n')
    assert d is not None and d.name == "flaskr" and not d.intent
    assert d.intent_reason == "under examples/: not a package location"


def test_a_parser_bug_becomes_a_recorded_status(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(text: str, filename: str) -> Declaration:
        raise KeyError("bug")

    broken = replace(parser_for("package.json"), parse=explode)  # type: ignore[type-var]
    monkeypatch.setattr(registry, "parser_for", lambda filename: broken)
    d = read_manifest("package.json", "{}")
    assert d is not None and d.status is ParseStatus.MALFORMED and "KeyError" in d.detail


def test_resolver_failure_keeps_the_parsed_declaration() -> None:
    def bad_resolve(declaration: Declaration, path: str, read: registry.ContextReader) -> Declaration:
        raise ValueError("bug")

    parser = ManifestParser(
        "npm", "t", 1, lambda text, name: Declaration.named("x", reason="a test"), resolve=bad_resolve
    )
    d = registry._resolve_guarded(
        parser, bad_resolve, Declaration.named("x", reason="a test"), "p", lambda p: None
    )
    assert d.name == "x" and "resolver failed" in d.detail


def test_unreadable_manifest_is_recorded() -> None:
    d = registry.unreadable_manifest("a/package.json", "could not read the file")
    assert d is not None and d.status is ParseStatus.UNSUPPORTED and d.manifest_type == "npm"
