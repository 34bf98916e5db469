"""pubspec.yaml: the package name and the pub.dev publishing signals."""

from __future__ import annotations

import itertools

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.pubspec import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

PATH_PACKAGE = """name: path
version: 1.9.1-wip
description: >-
  A string-based path manipulation library.
repository: https://github.com/dart-lang/path

environment:
  sdk: ^3.4.0

dev_dependencies:
  test: ^1.16.6
"""

FLUTTER_APP = """name: acme_app
description: "A new Flutter project."
# The following line prevents the package from being accidentally published to
# pub.dev using `flutter pub publish`. This is preferred for private packages.
publish_to: 'none' # Remove this line if you wish to publish to pub.dev

version: 1.0.0+1

environment:
  sdk: '>=3.3.0 <4.0.0'

dependencies:
  flutter:
    sdk: flutter

flutter:
  uses-material-design: true
"""


def test_package_name_and_intent() -> None:
    declaration = parse(PATH_PACKAGE)
    assert (declaration.status, declaration.name, declaration.intent) == (ParseStatus.OK, "path", True)


def test_registry_claims_pubspec() -> None:
    declaration = read_manifest("pubspec.yaml", PATH_PACKAGE.encode())
    assert declaration is not None
    assert (declaration.manifest_type, declaration.name, declaration.purl) == ("pub", "path", "pkg:pub/path")
    assert declaration.parser_version == "pubspec/2"


def test_registry_location_rule_still_applies() -> None:
    declaration = read_manifest("example/pubspec.yaml", PATH_PACKAGE.replace("name: path", "name: path_ex"))
    assert declaration is not None
    assert declaration.name == "path_ex"
    assert declaration.intent is False


def test_flutter_app_with_quoted_none() -> None:
    declaration = parse(FLUTTER_APP)
    assert (declaration.name, declaration.intent) == ("acme_app", False)
    assert declaration.intent_reason == "publish_to: none"


@pytest.mark.parametrize("value", ["none", "'none'", '"none"', "NONE", "None", " none  # private"])
def test_publish_to_none_spellings(value: str) -> None:
    declaration = parse(f"name: acme\npublish_to: {value}\n")
    assert (declaration.name, declaration.intent) == ("acme", False)
    assert declaration.intent_reason == "publish_to: none"


@pytest.mark.parametrize(
    "value", ["https://pub.example.com", "'https://dart.internal.example:8443/api/'", "http://localhost:8080"]
)
def test_private_repository(value: str) -> None:
    declaration = parse(f"name: acme\npublish_to: {value}\n")
    assert (declaration.name, declaration.intent) == ("acme", False)
    assert "private package repository" in declaration.intent_reason


@pytest.mark.parametrize(
    "value",
    ["https://pub.dev", "https://pub.dev/", "https://pub.dartlang.org", "HTTPS://PUB.DEV", "~", "null", ""],
)
def test_publish_to_pub_dev_or_unset(value: str) -> None:
    declaration = parse(f"name: acme\npublish_to: {value}\n")
    assert (declaration.name, declaration.intent) == ("acme", True)


def test_workspace_root_keeps_name_without_intent() -> None:
    text = "name: _\npublish_to: none\nenvironment:\n  sdk: ^3.6.0\nworkspace:\n  - pkgs/a\n  - pkgs/b\n"
    declaration = parse(text)
    assert (declaration.name, declaration.intent) == ("_", False)


def test_workspace_root_without_publish_to() -> None:
    declaration = parse("name: acme_workspace\nworkspace:\n  - packages/acme\n")
    assert (declaration.name, declaration.intent) == ("acme_workspace", False)
    assert "workspace" in declaration.intent_reason


def test_workspace_member_is_publishable() -> None:
    declaration = parse("name: acme\nresolution: workspace\nenvironment:\n  sdk: ^3.6.0\n")
    assert (declaration.name, declaration.intent) == ("acme", True)


def test_version_stays_text_and_name_is_verbatim() -> None:
    declaration = parse("name: 'Acme_Pkg'\nversion: 1.10\n")
    assert declaration.name == "Acme_Pkg"


def test_crlf_and_bom_through_registry() -> None:
    data = ("\ufeff" + PATH_PACKAGE).replace("\n", "\r\n").encode()
    declaration = read_manifest("pubspec.yaml", data)
    assert declaration is not None and declaration.name == "path"


@pytest.mark.parametrize("text", ["", "\n", "# comment only\n"])
def test_empty(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


@pytest.mark.parametrize("text", ["version: 1.0.0\n", "name:\n", "name: ''\n", "name:\n  nested: x\n"])
def test_no_name(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


def test_no_name_workspace_root_reports_the_signal() -> None:
    declaration = parse("publish_to: none\nworkspace:\n  - a\n")
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent_reason == "publish_to: none"


@pytest.mark.parametrize(
    "text", ["name: [unclosed\n", "- name: a\n", "plain scalar\n", "name: a\n\tversion: 1\n"]
)
def test_malformed(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED


def _alias_levels(depth: int) -> list[str]:
    """`depth` levels of YAML aliases, each 9 copies of the one below: 9**depth "lol"s once expanded."""
    names = "abcdefghijklmnopqrstuvwxyz"
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in itertools.pairwise(names[:depth]):
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return levels


def test_alias_bomb() -> None:
    def laughs(depth: int) -> None:
        text = (
            "name: laughs\n" + "\n".join(_alias_levels(depth)) + f"\nworkspace: *{'abcdefghi'[depth - 1]}\n"
        )
        declaration = parse(text)
        assert (declaration.name, declaration.intent) == ("laughs", False)

    # 3 levels against the original 9 (a to i): expanded, the work would grow 9**6 times.
    assert_linear(laughs, 3, factor=3)
