from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.cabal import parse
from distscout.manifests.registry import parser_for, read_manifest

AESON = """\
cabal-version:      2.2
name:               aeson
version:            2.3.1.0
copyright:
  2014-2026 Aeson project contributors,
  2011 MailRank, Inc.
tested-with:
  GHC ==8.6.5
   || ==9.12.4

library
  default-language: Haskell2010
  build-depends:    base
"""


def test_plain() -> None:
    declaration = parse(AESON)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "aeson"
    assert declaration.intent


@pytest.mark.parametrize("field", ["Name", "NAME", "name", "nAmE"])
def test_field_names_are_case_insensitive(field: str) -> None:
    assert parse(f"{field}: text-iso8601\nversion: 0.1\n").name == "text-iso8601"


def test_value_on_next_line() -> None:
    assert parse("cabal-version: 3.0\nname:\n  my-pkg\nversion: 1\n").name == "my-pkg"


def test_tabs_and_space_before_colon() -> None:
    assert parse("name\t:\tmy-pkg\nversion:\t1\n").name == "my-pkg"


def test_comments_are_skipped() -> None:
    text = "-- name: commented-out\n  -- an indented comment\ncabal-version: 2.4\nname: real-name\n"
    assert parse(text).name == "real-name"


def test_name_after_description_with_double_dash_in_value() -> None:
    text = "synopsis: a -- b\ndescription:\n  one\n  .\n  name: not-this\nname: after\n"
    assert parse(text).name == "after"


def test_name_inside_sections_is_ignored() -> None:
    text = """\
cabal-version: 2.4
version: 1

source-repository head
  type: git
  name: repo-name

executable foo
  name: exe-name
  main-is: Main.hs

flag dev
  description: dev mode
"""
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME


def test_top_level_name_after_a_section() -> None:
    text = "cabal-version: 2.4\n\ncommon warnings\n  ghc-options: -Wall\n\nname: late\n"
    assert parse(text).name == "late"


def test_brace_layout_section() -> None:
    text = "name: braced\nlibrary {\nname: inner\nbuild-depends: base }\nversion: 1\n"
    assert parse(text).name == "braced"


def test_brace_layout_hides_name_in_section() -> None:
    text = "version: 1\nlibrary\n{\nname: inner\n}\n"
    assert parse(text).status is ParseStatus.NO_NAME


def test_whole_file_indented() -> None:
    assert parse("  name: indented\n  version: 1\n").name == "indented"


def test_first_name_wins() -> None:
    assert parse("name: first\nname: second\n").name == "first"


def test_unicode_letters_allowed() -> None:
    assert parse("name: héllo-wörld2\n").name == "héllo-wörld2"


@pytest.mark.parametrize("name", ["my_pkg", "foo-123", "two words", "-lead", "trail-"])
def test_invalid_name(name: str) -> None:
    assert parse(f"name: {name}\n").status is ParseStatus.MALFORMED


@pytest.mark.parametrize("name", ["{{name}}", "${project}", "@NAME@"])
def test_template_placeholder(name: str) -> None:
    assert parse(f"name: {name}\n").status is ParseStatus.UNSUPPORTED


def test_empty_name() -> None:
    assert parse("name:\nversion: 1\n").status is ParseStatus.NO_NAME


@pytest.mark.parametrize("text", ["", "\n\n-- only a comment\n", "This is not a cabal file at all.\n"])
def test_no_fields_is_malformed(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED


def test_through_registry() -> None:
    declaration = read_manifest("aeson/Aeson.Cabal", AESON.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "hackage"
    assert declaration.name == "aeson"
    assert declaration.purl == "pkg:hackage/aeson"


def test_cabal_project_not_claimed() -> None:
    for filename in ("cabal.project", "cabal.project.local", ".cabal"):
        parser = parser_for(filename)
        assert parser is None or parser.key != "cabal"
