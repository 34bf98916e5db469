"""Start-up: parsing the command line imports no heavy module (issue #19; distscout/cli.py, "Start-up").

Checked by which modules a fresh interpreter has loaded, never by timing (bench/startup.py measures).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from distscout.store.engine import newest_revision
from distscout.store.migrate import head_revision

HEAVY = (
    "alembic",
    "asyncio",  # only the commands that run a loop (and SQLAlchemy) import it
    "aiohttp",
    "fastapi",
    "httpx",
    "jinja2",
    "pydantic_settings",  # pydantic itself is typer's: it reads the parameters through it
    "sqlalchemy",
    "stamina",
    "starlette",
    "uvicorn",
    "yaml",
    "distscout.app",
    "distscout.config",
    "distscout.emulator",
    "distscout.manifests",
    "distscout.store",
    "distscout.web",
    "distscout.worker",
)
_PROBE = """
import json, sys
sys.argv = ["distscout", *json.loads(sys.argv[1])]
from distscout.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _loaded(args: list[str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args)], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["stats", "--help"], ["repos", "list", "--help"], ["scan", "--help"]],
    ids=" ".join,
)
def test_parsing_the_command_line_imports_nothing_heavy(args: list[str]) -> None:
    loaded = _loaded(args)
    heavy = sorted(name for name in loaded if name.split(".")[0] in HEAVY or name.startswith(HEAVY))
    assert not heavy, heavy


def test_a_read_command_imports_no_scanner_clients_or_web(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path}/startup.db")
    _loaded(["stats"])  # the first open migrates a new file, with Alembic (and its dialects' DDL)
    for args in (["stats"], ["repos", "list"]):
        loaded = _loaded(args)
        assert "sqlalchemy" in loaded  # it did read the database
        unwanted = (
            "distscout.store.rotation",  # the claims' and scans' writes
            "httpx",
            "aiohttp",
            "fastapi",
            "uvicorn",
            "distscout.web",
            "distscout.worker",
            "distscout.app",
            "sqlalchemy.dialects.postgresql",  # all of SQLAlchemy's PostgreSQL drivers, on a SQLite file
        )
        assert not [name for name in loaded if name.startswith(unwanted)], args


def test_version() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from distscout.cli import main; main()", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "distscout 0.1.0", "")


def test_a_database_at_the_newest_revision_is_opened_without_alembic(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path}/startup.db")
    assert "alembic" in _loaded(["stats"])  # the first open migrates
    for args in (["stats"], ["repos", "list"]):
        assert "alembic" not in _loaded(args), args  # later ones read the revision with one query


def test_the_newest_revision_is_alembics_head() -> None:
    assert newest_revision() == head_revision()
