"""The shared loaders refuse hostile input with a ManifestError, never a crash."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from distscout.manifests.formats import ManifestError, load_json, load_toml, load_yaml, parse_xml

DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "- " * DEEP + "x",
        "x: " + "[" * DEEP + "]" * DEEP,
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 400)),
    ],
)
def test_deep_yaml_is_refused_in_process(text: str) -> None:
    with pytest.raises(ManifestError, match="nested deeper"):
        load_yaml(text)


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
