"""The corpus scanned once per session through the real worker path (claim → scan → rotation), shared by
the command-line and web tests (registered in tests/conftest.py). Tests take private copies."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from distscout.emulator.server import EmulatorServer
from tests.cli.helpers import scan_corpus


@pytest.fixture(scope="session")
def scanned_corpus(corpus_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scanned-corpus") / "corpus.db"
    asyncio.run(scan_corpus(corpus_emulator, f"sqlite:///{path}"))
    return path


def copy_database(source: Path, target: Path) -> str:
    """A private copy of a SQLite database (tests may write to it); returns its URL."""
    reader, writer = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()
    return f"sqlite:///{target}"
