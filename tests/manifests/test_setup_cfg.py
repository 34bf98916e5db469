from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.setup_cfg import parse
from distscout.manifests.registry import read_manifest

TYPICAL = """\
[metadata]
name = my_package
version = attr: my_package.VERSION
description = My package description
long_description = file: README.rst, CHANGELOG.rst, LICENSE.rst
classifiers =
    Framework :: Django
    Programming Language :: Python :: 3

[options]
packages = find:
install_requires =
    requests
    importlib-metadata; python_version<"3.8"
"""


def test_metadata_name() -> None:
    declaration = parse(TYPICAL)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "my_package"
    assert declaration.intent


def test_tool_config_only_has_no_name() -> None:
    text = "[flake8]\nmax-line-length = 100\nexclude = .git,build\n\n[tool:pytest]\naddopts = -ra\n"
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME
    assert "[metadata]" in declaration.intent_reason


@pytest.mark.parametrize(
    "text", ["[metadata]\nversion = 1.0\n", "[metadata]\nname =\n", "[metadata]\nname\n"]
)
def test_metadata_without_name(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[metadata]\nname = acme  # the dist name\n", "acme"),
        ("[metadata]\nname = acme ; inline\n", "acme"),
        ("; a comment\n# another\n[metadata]\n# name = wrong\nname = acme\n", "acme"),
        ('[metadata]\nname = "acme"\n', "acme"),
        ("[metadata]\nName = acme\n", "acme"),
        ("[metadata]\nname = acme-%(x)s\n", "acme-%(x)s"),  # no interpolation
        ("[metadata]\nname = first\nname = second\n", "second"),  # duplicates tolerated
        ("[metadata]\nname = first\n[metadata]\nversion = 1\n", "first"),
        ("[metadata]\nname =\n    acme\n", "acme"),
        ("[metadata]\nname: acme\n", "acme"),
    ],
)
def test_real_world_spellings(text: str, expected: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == expected


@pytest.mark.parametrize("value", ["attr: acme.__name__", "attr:acme.NAME", "file: NAME.txt"])
def test_directives_are_unsupported(value: str) -> None:
    declaration = parse(f"[metadata]\nname = {value}\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "build time" in declaration.detail


@pytest.mark.parametrize(
    "classifiers",
    [
        "\n    Programming Language :: Python :: 3\n    Private :: Do Not Upload\n",
        " Private :: Do Not Upload\n",
        " Topic :: Utilities, Private :: Do Not Upload\n",
        "\n    private :: do not upload\n",
    ],
)
def test_private_classifier_denies_intent(classifiers: str) -> None:
    declaration = parse(f"[metadata]\nname = acme\nclassifiers ={classifiers}")
    assert declaration.name == "acme"
    assert not declaration.intent
    assert declaration.intent_reason.lower() == "classifier private :: do not upload"


def test_classifier_alias_and_commented_out_private_classifier() -> None:
    assert not parse("[metadata]\nname = acme\nclassifier =\n    Private :: Do Not Upload\n").intent
    commented = (
        "[metadata]\nname = acme\nclassifiers =\n    Topic :: Utilities\n#    Private :: Do Not Upload\n"
    )
    assert parse(commented).intent


@pytest.mark.parametrize(
    "text", ["name = acme\n[metadata]\n", "[metadata\nname = acme\n", "[metadata]\n  = x\n"]
)
def test_malformed(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.detail


def test_empty_file() -> None:
    assert parse("").status is ParseStatus.NO_NAME


def test_registry_claims_setup_cfg_with_bom_and_crlf() -> None:
    data = "\ufeff[metadata]\r\nname = acme-tools\r\nversion = 1.0\r\n".encode()
    declaration = read_manifest("pkg/setup.cfg", data)
    assert declaration is not None
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme-tools"
    assert declaration.manifest_type == "pypi"
    assert declaration.parser_version == "setup-cfg/2"
