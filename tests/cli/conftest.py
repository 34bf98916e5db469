"""Fixtures for the command-line tests: a temporary SQLite database named by DISTSCOUT_DATABASE_URL, and
a copy of the corpus scanned once per session through the real worker path (claim → scan → rotation)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from distscout.emulator.server import EmulatorServer
from tests.cli.helpers import scan_corpus


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich tables are not folded, so names can be found in them


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty (not yet created) SQLite database that every command of the test uses."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", url)
    return url


@pytest.fixture(scope="session")
def scanned_corpus(corpus_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scanned-corpus") / "corpus.db"
    asyncio.run(scan_corpus(corpus_emulator, f"sqlite:///{path}"))
    return path


@pytest.fixture
def corpus_db(scanned_corpus: Path, db_url: str) -> Iterator[str]:
    """A private copy of the scanned corpus (tests may write to it), named by DISTSCOUT_DATABASE_URL."""
    source, target = sqlite3.connect(scanned_corpus), sqlite3.connect(db_url.removeprefix("sqlite:///"))
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    yield db_url
