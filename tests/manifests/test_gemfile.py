from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.gemfile import parse
from distscout.manifests.registry import read_manifest


@pytest.mark.parametrize(
    "text",
    [
        'source "https://rubygems.org"\ngemspec\n',
        'source "https://rubygems.org"\ngem "rails", "~> 7.1"\n# gem "name"\n',
        "",
        "}}}{{{ not ruby at all \"'",
    ],
)
def test_never_a_name(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.name is None
    assert not declaration.intent
    assert declaration.intent_reason == "a Gemfile lists dependencies, not a gem"


@pytest.mark.parametrize("path", ["Gemfile", "gems.rb", "sub/Gemfile"])
def test_registry_claims_gemfiles(path: str) -> None:
    declaration = read_manifest(path, b'source "https://rubygems.org"\r\ngemspec\r\n')
    assert declaration is not None
    assert declaration.manifest_type == "rubygems"
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.parser_version == "gemfile/1"


def test_lock_file_is_not_claimed() -> None:
    assert read_manifest("Gemfile.lock", "GEM\n  specs:\n") is None
