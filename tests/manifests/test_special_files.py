"""A checkout is untrusted: a FIFO or a socket named like a manifest is skipped and counted, never opened
(opening a FIFO for reading blocks until a writer comes: `distscout manifests` used to hang on one)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from distscout.cli import app
from distscout.manifests.checkout import read_file, scan_checkout

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def _tree(root: Path) -> socket.socket:
    (root / "pkg").mkdir()
    (root / "pkg" / "package.json").write_text('{"name": "real"}')
    os.mkfifo(root / "package.json")
    os.mkfifo(root / "pkg" / "Cargo.toml")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(root / "pyproject.toml"))
    return listener


def test_special_files_are_skipped_and_counted(tmp_path: Path) -> None:
    with _tree(tmp_path):
        scan = scan_checkout(tmp_path)
    assert [d.path for d in scan.declarations] == ["pkg/package.json"]
    assert scan.special_files == 3


def test_a_fifo_is_never_read_even_when_asked_by_name(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "package.json")
    assert read_file(tmp_path, "package.json") is None  # returns at once: opened without blocking


def test_the_command_returns_and_says_so(tmp_path: Path) -> None:
    with _tree(tmp_path):
        result = CliRunner().invoke(app, ["manifests", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    assert [d["path"] for d in json.loads(result.stdout)] == ["pkg/package.json"]
    assert "3 special files (FIFOs, sockets, devices) skipped" in result.stderr
