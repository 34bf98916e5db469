from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.cran import parse
from distscout.manifests.registry import read_manifest

WITHR = """\
Package: withr
Title: Run Code 'With' Temporarily Modified Global State
Version: 3.0.3.9000
Authors@R: c(
    person("Jim", "Hester", role = "aut"),
    person("Lionel", "Henry", , "lionel@posit.co", role = c("aut", "cre"))
  )
Description: A set of functions to run code 'with' safely and temporarily
\tmodified global state.
Config/testthat/edition: 3
"""


def test_plain() -> None:
    declaration = parse(WITHR)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "withr"
    assert declaration.intent


def test_package_not_first_and_dotted_name() -> None:
    assert parse("Type: Package\nTitle: X\nPackage: data.table\n").name == "data.table"


def test_value_on_continuation_line() -> None:
    assert parse("Package:\n  acmeR\nVersion: 1\n").name == "acmeR"


def test_bioconductor_keeps_intent() -> None:
    declaration = parse("Package: GenomicRanges\nbiocViews: Genetics\nRepository: Bioconductor\n")
    assert declaration.name == "GenomicRanges"
    assert declaration.intent


def test_lenient_field_case() -> None:
    assert parse("package: acme\nversion: 1\n").name == "acme"


def test_exact_case_wins() -> None:
    assert parse("PACKAGE: other\nPackage: right\n").name == "right"


def test_leading_blank_lines_and_comments() -> None:
    assert parse("\n\n# generated\nPackage: acme\n").name == "acme"


def test_only_first_record_counts() -> None:
    assert parse("Title: x\n\nPackage: second\n").status is ParseStatus.NO_NAME


def test_empty_package() -> None:
    assert parse("Package:\nVersion: 1.0\n").status is ParseStatus.NO_NAME


def test_empty_package_then_continuation_after_blank_line() -> None:
    # Nothing continues across a blank line: " binary" must not become the name.
    declaration = parse("Package:\n\n binary")
    assert declaration.name is None
    assert declaration.status in (ParseStatus.MALFORMED, ParseStatus.NO_NAME)


def test_no_package_field() -> None:
    assert parse("Title: Something\nVersion: 1\n").status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    [
        "Unnamed repository; edit this file 'description' to name the repository.\n",
        "This tool does things.\nPackage: foo\nIt is great.\n",
        "A short description of the project\n\nMore prose here.\n",
        "",
        "\n   \n",
        "  indented first line\nPackage: foo\n",
    ],
)
def test_prose_and_empty_are_malformed(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert declaration.name is None


@pytest.mark.parametrize("name", ["a", "9lives", "foo.", "foo_bar", "foo-bar", "my pkg", "ü2"])
def test_invalid_r_names(name: str) -> None:
    declaration = parse(f"Package: {name}\n")
    assert declaration.name is None
    assert declaration.status in (ParseStatus.MALFORMED, ParseStatus.NO_NAME)


def test_through_registry() -> None:
    declaration = read_manifest("r/DESCRIPTION", WITHR.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "cran"
    assert declaration.name == "withr"
    assert declaration.purl == "pkg:cran/withr"


def test_git_description_through_registry() -> None:
    text = b"Unnamed repository; edit this file 'description' to name the repository.\n"
    declaration = read_manifest("DESCRIPTION", text)
    assert declaration is not None
    assert declaration.status is ParseStatus.MALFORMED
