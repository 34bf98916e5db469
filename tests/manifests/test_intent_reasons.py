"""A manifest that declares intent says which signal made it one: the orphan report shows it (issue #19)."""

from __future__ import annotations

import pytest

from distscout.manifests.registry import read_manifest

CASES = [
    ("package.json", '{"name": "widget"}', "has a name and is not private"),
    ("Cargo.toml", '[package]\nname = "widget"\n', "[package] name, publish not false"),
    ("pyproject.toml", '[project]\nname = "widget"\n', "[project] name, not opted out of publishing"),
    ("pyproject.toml", '[tool.poetry]\nname = "widget"\n', "[tool.poetry] name, not opted out of publishing"),
    ("setup.cfg", "[metadata]\nname = widget\n", "[metadata] name, no Private classifier"),
    (
        "setup.py",
        "from setuptools import setup\nsetup(name='widget')\n",
        "a setup() name, no Private classifier",
    ),
    ("composer.json", '{"name": "acme/widget"}', "a vendor/package name"),
    ("go.mod", "module github.com/acme/widget\n", "a module path on a fetchable domain"),
    ("pubspec.yaml", "name: widget\n", "name, publish_to not none"),
    ("DESCRIPTION", "Package: widget\nVersion: 1.0\n", "DESCRIPTION Package:"),
    ("recipe/meta.yaml", "package:\n  name: widget\n", "package.name"),
]


@pytest.mark.parametrize(("path", "text", "reason"), CASES, ids=[c[0] for c in CASES])
def test_the_intent_reason_names_the_signal(path: str, text: str, reason: str) -> None:
    declaration = read_manifest(path, text.encode())
    assert declaration.intent, declaration
    assert declaration.intent_reason == reason
