"""Fixtures for the command-line tests: a temporary SQLite database named by DISTSCOUT_DATABASE_URL, and
a private copy of the corpus scanned once per session (tests/scanned.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scanned import copy_database


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich tables are not folded, so names can be found in them


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty (not yet created) SQLite database that every command of the test uses."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", url)
    return url


@pytest.fixture
def corpus_db(scanned_corpus: Path, db_url: str) -> Iterator[str]:
    """A private copy of the scanned corpus (tests may write to it), named by DISTSCOUT_DATABASE_URL."""
    copy_database(scanned_corpus, Path(db_url.removeprefix("sqlite:///")))
    yield db_url
