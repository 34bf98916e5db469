"""The shared loaders refuse hostile input with a ManifestError, never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml

from distscout.manifests.formats import (
    MAX_YAML_DEPTH,
    ManifestError,
    ManifestTooDeep,
    load_json,
    load_toml,
    load_yaml,
    parse_xml,
)
from distscout.manifests.registry import read_manifest

DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "- " * DEEP + "x",
        "x: " + "[" * DEEP + "]" * DEEP,
        "x: " + "{a: " * 2000 + "}" * 2000,
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 400)),
        # Deeper than our limit, shallower than libyaml's own: only the depth guard can notice.
        "x: " + "[" * (MAX_YAML_DEPTH + 50) + "]" * (MAX_YAML_DEPTH + 50),
    ],
)
def test_deep_yaml_is_refused_in_process(text: str) -> None:
    # Newer libyaml refuses some of these itself, before the depth guard counts far enough: the same
    # error either way, by class and by its one line.
    with pytest.raises(ManifestTooDeep) as refused:
        load_yaml(text)
    assert str(refused.value) == f"refused YAML: nested deeper than {MAX_YAML_DEPTH} levels"


def test_deep_yaml_is_a_malformed_manifest() -> None:
    text = "name: a\nx: " + "[" * DEEP + "]" * DEEP
    for name in ("pubspec.yaml", "meta.yaml", "recipe.yaml"):
        declaration = read_manifest(name, text)
        assert declaration is not None and declaration.status == "malformed", name
        assert declaration.detail == f"refused YAML: nested deeper than {MAX_YAML_DEPTH} levels", name


def test_yaml_at_the_depth_limit_still_loads() -> None:
    levels = MAX_YAML_DEPTH - 1  # and the mapping around them
    node = load_yaml("x: " + "[" * levels + "]" * levels)["x"]
    depth = 1
    while node:
        node, depth = node[0], depth + 1
    assert depth == levels


def test_runs_against_the_pyyaml_it_was_asked_to() -> None:
    # scripts/test runs this module again with the oldest PyYAML that pyproject.toml allows and says so
    # here; otherwise the locked one is installed. Either way a matrix run cannot quietly test one twice.
    expected = os.environ.get("DISTSCOUT_EXPECT_PYYAML") or _locked_version("pyyaml")
    assert yaml.__version__ == expected
    assert yaml.__with_libyaml__, "the depth tests are about libyaml; this PyYAML was built without it"


def _locked_version(package: str) -> str:
    lock = tomllib.loads((Path(__file__).resolve().parents[2] / "uv.lock").read_text(encoding="utf-8"))
    (version,) = [p["version"] for p in lock["package"] if p["name"] == package]
    return str(version)


def test_deep_yaml_cannot_crash_the_interpreter() -> None:
    # Run where a segfault would show as a signal exit instead of killing the test run.
    program = textwrap.dedent(
        f"""
        from distscout.manifests.registry import read_manifest
        for name in ("pubspec.yaml", "meta.yaml", "recipe.yaml", "pnpm-workspace.yaml"):
            read_manifest(name, "name: a\\nx: " + "[" * {DEEP} + "]" * {DEEP})
        print("survived")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0 and "survived" in result.stdout, result.stderr[-500:]


def test_yaml_keeps_scalars_strings() -> None:
    assert load_yaml("version: 1.10\nflag: no\n") == {"version": "1.10", "flag": "no"}


@pytest.mark.parametrize(
    ("loader", "text"),
    [
        (load_json, "[" * DEEP + "]" * DEEP),
        (load_toml, "x = " + "[" * DEEP + "]" * DEEP),
        (parse_xml, "<a>" * 5000),
        (parse_xml, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
    ],
)
def test_other_loaders_refuse_cleanly(loader: object, text: str) -> None:
    with pytest.raises(ManifestError):
        loader(text)  # type: ignore[operator]


def test_deep_xml_parses_without_recursion() -> None:
    assert parse_xml("<a>" * 5000 + "</a>" * 5000).tag == "a"
