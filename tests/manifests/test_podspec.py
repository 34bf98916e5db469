from __future__ import annotations

from collections.abc import Callable

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.podspec import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

ALAMOFIRE_STYLE = """\
Pod::Spec.new do |s|
  s.name = 'AcmeKit'
  s.version = '2.1.0'
  s.license = 'MIT'
  s.summary = 'Elegant networking'
  s.authors = { 'Acme' => 'dev@acme.example' }
  s.source = { :git => 'https://github.com/acme/AcmeKit.git', :tag => s.version }
  s.ios.deployment_target = '12.0'
  s.source_files = 'Source/**/*.swift'
  # s.name = 'OldKit'
end
"""


def test_typical_podspec() -> None:
    declaration = parse(ALAMOFIRE_STYLE, "AcmeKit.podspec")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "AcmeKit"
    assert declaration.intent


@pytest.mark.parametrize("constructor", ["Pod::Spec", "Pod::Specification", "::Pod::Spec"])
@pytest.mark.parametrize("literal", ['"AcmeKit"', "'AcmeKit'", "%q{AcmeKit}", "'AcmeKit'.freeze"])
def test_constructors_and_quoting(constructor: str, literal: str) -> None:
    assert parse(f"{constructor}.new do |spec|\n  spec.name = {literal}\nend\n").name == "AcmeKit"


def test_subspecs_do_not_rename_the_pod() -> None:
    text = (
        "Pod::Spec.new do |s|\n  s.name = 'AcmeKit'\n"
        "  s.subspec 'Core' do |core|\n    core.source_files = 'Core/*.swift'\n  end\nend\n"
    )
    assert parse(text).name == "AcmeKit"


def test_name_through_a_variable() -> None:
    text = "name = 'AcmeKit'\nPod::Spec.new do |s|\n  s.name = name\nend\n"
    assert parse(text).name == "AcmeKit"


def test_basename_idiom() -> None:
    text = 'Pod::Spec.new do |s|\n  s.name = File.basename(__FILE__, ".podspec")\nend\n'
    assert parse(text, "AcmeKit.podspec").name == "AcmeKit"


def test_react_native_package_json_name_is_unsupported() -> None:
    text = (
        'require "json"\npackage = JSON.parse(File.read(File.join(__dir__, "package.json")))\n'
        'Pod::Spec.new do |s|\n  s.name = package["name"]\nend\n'
    )
    declaration = parse(text)
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "computed pod name" in declaration.detail


def test_interpolated_name_is_unsupported() -> None:
    assert parse('Pod::Spec.new do |s|\n  s.name = "Acme#{x}"\nend\n').status is ParseStatus.UNSUPPORTED


@pytest.mark.parametrize("text", ["", "Pod::Spec.new do |s|\n  s.version = '1'\nend\n", "garbage {{{ ' \""])
def test_no_name(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME
    assert not declaration.intent


def test_json_podspec() -> None:
    declaration = parse('{"name": "AcmeKit", "version": "2.1.0"}', "AcmeKit.podspec.json")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "AcmeKit"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("{not json", ParseStatus.MALFORMED),
        ('["AcmeKit"]', ParseStatus.MALFORMED),
        ('{"version": "1"}', ParseStatus.NO_NAME),
        ('{"name": 42}', ParseStatus.NO_NAME),
    ],
)
def test_bad_json_podspec(text: str, status: ParseStatus) -> None:
    assert parse(text, "AcmeKit.podspec.json").status is status


def test_through_registry_with_crlf() -> None:
    declaration = read_manifest("AcmeKit.podspec", ALAMOFIRE_STYLE.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "cocoapods"
    assert declaration.name == "AcmeKit"
    assert declaration.parser_version == "podspec/2"


def test_registry_claims_json_podspecs() -> None:
    declaration = read_manifest("Specs/AcmeKit.podspec.json", '{"name": "AcmeKit"}')
    assert declaration is not None
    assert declaration.manifest_type == "cocoapods"
    assert declaration.name == "AcmeKit"


def _mixed(n: int) -> str:
    return ("Pod::Spec.new do |s|\n" + ("s.name = %q(" + "'\"#{" * 10 + "<<~X\n") * n)[: 50 * n]


@pytest.mark.parametrize(
    ("make", "size"),
    [
        pytest.param(_mixed, 4_000, id="mixed"),
        pytest.param(lambda n: "'" * n, 200_000, id="quotes"),
        pytest.param(lambda n: "Pod::Spec.new do |" * n, 11_000, id="blocks"),
    ],
)
def test_adversarial_input_returns_in_linear_time(make: Callable[[int], str], size: int) -> None:
    # The full-size input is the large side of the comparison: it returns, and a quarter of it
    # takes about a quarter of the time.
    assert_linear(lambda n: parse(make(n)), size // 4)
