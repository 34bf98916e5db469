from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.composer import parse
from distscout.manifests.registry import read_manifest


def test_library_name() -> None:
    declaration = parse('{"name": "symfony/console", "type": "library"}')
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "symfony/console"
    assert declaration.intent


def test_project_type_keeps_intent() -> None:
    # laravel/laravel is a published "project": the type alone is no opt-out.
    declaration = parse('{"name": "laravel/laravel", "type": "project"}')
    assert declaration.name == "laravel/laravel"
    assert declaration.intent


def test_abandoned_keeps_intent() -> None:
    declaration = parse('{"name": "acme/old", "abandoned": "acme/new"}')
    assert declaration.intent


def test_application_without_name() -> None:
    declaration = parse('{"type": "project", "require": {"php": "^8.2"}}')
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent_reason == "no name: an application, not a package"


@pytest.mark.parametrize("name", ["my-app", "a/b/c", "acme/", "/pkg", "acme/my pkg", "acme/-x"])
def test_name_packagist_would_refuse(name: str) -> None:
    declaration = parse(f'{{"name": "{name}"}}')
    assert declaration.status is ParseStatus.OK
    assert declaration.name == name
    assert not declaration.intent
    assert declaration.intent_reason == "not a vendor/package name"


def test_upper_case_name_kept_as_written() -> None:
    declaration = parse('{"name": "Acme/Fancy_Lib"}')
    assert declaration.name == "Acme/Fancy_Lib"
    assert declaration.intent


@pytest.mark.parametrize("value", ["42", "null", '""', '"   "', '["a/b"]'])
def test_non_string_or_empty_name(value: str) -> None:
    assert parse(f'{{"name": {value}}}').status is ParseStatus.NO_NAME


@pytest.mark.parametrize("text", ["", '{"name": "a/b",}', "[1, 2]", '"acme/x"', "{"])
def test_malformed(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED


def test_through_registry() -> None:
    declaration = read_manifest("packages/core/composer.json", b'\xef\xbb\xbf{"name": "acme/core"}\r\n')
    assert declaration is not None
    assert declaration.manifest_type == "composer"
    assert declaration.name == "acme/core"
    assert declaration.purl == "pkg:composer/acme/core"
    assert declaration.intent
