from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.julia import parse
from distscout.manifests.registry import parser_for, read_manifest

PACKAGE = """\
name = "DataFrames"
uuid = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"
version = "1.8.2"

[deps]
Compat = "34da2185-b29b-5c13-b0c7-acf172513d20"
"""


def test_package() -> None:
    declaration = parse(PACKAGE)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "DataFrames"
    assert declaration.intent


def test_environment_without_name_or_uuid() -> None:
    declaration = parse(
        '[deps]\nDocumenter = "e30172f5-a6a5-5a46-863b-614d45cd2de4"\n\n[compat]\nDocumenter = "1"\n'
    )
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent_reason == "an environment, not a package: no name/uuid"


def test_empty_file_is_an_environment() -> None:
    assert parse("").status is ParseStatus.NO_NAME


def test_uuid_without_name_is_an_environment() -> None:
    assert parse('uuid = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"\n').status is ParseStatus.NO_NAME


def test_name_without_uuid() -> None:
    declaration = parse('name = "MyScript"\n[deps]\n')
    assert declaration.name == "MyScript"
    assert not declaration.intent
    assert declaration.intent_reason == "no uuid: not registrable"


def test_invalid_uuid() -> None:
    declaration = parse('name = "Foo"\nuuid = "not-a-uuid"\n')
    assert declaration.name == "Foo"
    assert not declaration.intent


def test_name_only_in_a_table_does_not_count() -> None:
    assert parse('[extras]\nname = "Test"\n').status is ParseStatus.NO_NAME


def test_non_string_name() -> None:
    assert parse('name = 3\nuuid = "a93c6f00-e57d-5684-b7b6-d8193f3e46c0"\n').status is ParseStatus.NO_NAME


@pytest.mark.parametrize("text", ['name = "x', "[deps\n", 'name = "A"\nname = "B"\n'])
def test_malformed(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED


@pytest.mark.parametrize("filename", ["Project.toml", "JuliaProject.toml"])
def test_through_registry(filename: str) -> None:
    declaration = read_manifest(f"lib/Foo/{filename}", PACKAGE.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "julia"
    assert declaration.name == "DataFrames"
    assert declaration.intent


def test_docs_environment_through_registry() -> None:
    declaration = read_manifest("docs/Project.toml", '[deps]\nDocumenter = "e30172f5"\n')
    assert declaration is not None
    assert declaration.status is ParseStatus.NO_NAME


def test_other_toml_files_not_claimed() -> None:
    parser = parser_for("Manifest.toml")
    assert parser is None or parser.key != "julia"
