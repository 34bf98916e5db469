from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from distscout.cli import app

runner = CliRunner()


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content)
    return root


def test_manifests_json(tmp_path: Path) -> None:
    _tree(tmp_path, {"package.json": '{"name": "@a/b"}', "crates/x/Cargo.toml": '[package]\nname = "x"\n'})
    result = runner.invoke(app, ["manifests", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["path"] for r in rows} == {"package.json", "crates/x/Cargo.toml"}
    keys = {"path", "manifest_type", "name", "normalized_name", "purl", "intent", "intent_reason", "status"}
    assert all(keys <= set(r) for r in rows)


def test_manifests_baseline_plan(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/b/package.json": '{"name": "deep"}', "package.json": '{"name": "top"}'})
    result = runner.invoke(app, ["manifests", str(tmp_path), "--plan", "baseline", "--json"])
    assert [r["name"] for r in json.loads(result.stdout)] == ["top"]


def test_manifests_table(tmp_path: Path) -> None:
    _tree(tmp_path, {"package.json": '{"name": "shown", "private": true}'})
    result = runner.invoke(app, ["manifests", str(tmp_path)])
    assert result.exit_code == 0 and "shown" in result.stdout and "private: true" in result.stdout


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_bad_path_is_a_clear_error(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope"
    if kind == "file":
        target.write_text("x")
    result = runner.invoke(app, ["manifests", str(target)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and "Traceback" not in result.output


def test_bad_plan_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["manifests", str(tmp_path), "--plan", "wide"])
    assert result.exit_code == 2


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"name": "leaked"}')
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "package.json").symlink_to(secret)
    (checkout / "linked").symlink_to(tmp_path, target_is_directory=True)
    result = runner.invoke(app, ["manifests", str(checkout), "--json"])
    assert json.loads(result.stdout) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_manifest_is_reported(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "package.json").chmod(0)
    rows = json.loads(runner.invoke(app, ["manifests", str(tmp_path), "--json"]).stdout)
    assert rows[0]["status"] == "unsupported"


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from distscout.cli import main; main()", "manifests", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
