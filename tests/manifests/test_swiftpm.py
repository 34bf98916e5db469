from __future__ import annotations

from collections.abc import Callable

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.swiftpm import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

TYPICAL = """\
// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "AcmeKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "AcmeKitCore", targets: ["AcmeKitCore"])],
    dependencies: [.package(url: "https://github.com/apple/swift-log.git", from: "1.0.0")],
    targets: [.target(name: "AcmeKitCore")]
)
"""


def test_typical_manifest() -> None:
    declaration = parse(TYPICAL)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "AcmeKit"  # not a product's or target's name
    assert declaration.intent


def test_comments_are_ignored() -> None:
    text = (
        '// let package = Package(name: "LineComment")\n'
        '/* let package = Package(name: "Block") /* nested */ still a comment */\n'
        'let package = Package(\n    // name: "Inner",\n    name: /* inline */ "Real"\n)\n'
    )
    assert parse(text).name == "Real"


def test_name_through_a_constant() -> None:
    text = 'let packageName = "AcmeKit"\nlet package = Package(name: packageName, targets: [])\n'
    assert parse(text).name == "AcmeKit"


def test_typed_constant() -> None:
    text = 'let name: String = "Typed"\nvar package = Package(name: name)\n'
    assert parse(text).name == "Typed"


@pytest.mark.parametrize(
    ("literal", "name"),
    [
        ('"Esc\\"aped"', 'Esc"aped'),
        ('"Uni\\u{43}ode"', "UniCode"),
        ('#"Raw\\Kit"#', "Raw\\Kit"),
        ('##"Two"#Hashes"##', 'Two"#Hashes'),
        ('"""\n    Multi\n    """', "Multi"),
    ],
)
def test_string_literal_forms(literal: str, name: str) -> None:
    assert parse(f"let package = Package(name: {literal})").name == name


def test_string_containing_comment_markers() -> None:
    assert parse('let package = Package(name: "Acme//Kit/*x*/")').name == "Acme//Kit/*x*/"


def test_name_not_first_argument() -> None:
    text = 'let package = Package(\n    platforms: [.macOS(.v12)],\n    name: "Late"\n)\n'
    assert parse(text).name == "Late"


def test_qualified_package_init() -> None:
    assert parse('let package = PackageDescription.Package(name: "Qualified")').name == "Qualified"


@pytest.mark.parametrize(
    "argument",
    ['"Acme\\(suffix)"', '"Acme" + "Kit"', 'ProcessInfo.processInfo.environment["N"]!', "undefined"],
)
def test_computed_name_is_unsupported(argument: str) -> None:
    declaration = parse(f"let package = Package(name: {argument})")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.detail.startswith("computed package name")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "import PackageDescription\n",
        'let x = Foo(name: "NotAPackage")\n',
        "let package = Package(platforms: [.iOS(.v13)])\n",
        "let package = Package(",
        'let package = Package(name: "unterminated',
        "/* never closed",
    ],
)
def test_no_name(text: str) -> None:
    declaration = parse(text)
    assert declaration.status in (ParseStatus.NO_NAME, ParseStatus.OK)
    assert declaration.status is ParseStatus.NO_NAME or declaration.name == "unterminated"


def test_through_registry_with_crlf() -> None:
    declaration = read_manifest("Package.swift", TYPICAL.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "swiftpm"
    assert declaration.name == "AcmeKit"
    assert declaration.normalized_name == "acmekit"
    assert declaration.parser_version == "swiftpm/2"


def test_version_specific_manifest_is_not_claimed() -> None:
    # Package@swift-5.9.swift variants are not claimed: Package.swift is always present beside them.
    assert read_manifest("Package@swift-5.9.swift", TYPICAL) is None


PIECES = ['"\\(', "/*", "#" * 5, '#"', '"""', "(", "Package(", "name: ", "//", "\n", "\\"]


@pytest.mark.parametrize(
    ("make", "size"),
    [
        pytest.param(
            lambda n: "".join(PIECES[i % len(PIECES)] for i in range(n))[: 4 * n], 50_000, id="mixed"
        ),
        pytest.param(lambda n: "#" * n, 200_000, id="hashes"),
        pytest.param(lambda n: "/*" * n, 100_000, id="comments"),
        pytest.param(lambda n: "Package(" + "(" * n, 200_000, id="parens"),
        pytest.param(lambda n: "let x" * n, 40_000, id="lets"),
    ],
)
def test_adversarial_input_returns_in_linear_time(make: Callable[[int], str], size: int) -> None:
    # The full-size input is the large side of the comparison: it returns, and a quarter of it
    # takes about a quarter of the time.
    assert_linear(lambda n: parse(make(n)), size // 4)
