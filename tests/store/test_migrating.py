"""Migrating a store: one with data keeps it; processes started together on a fresh one (compose.yaml starts
two workers and the web at once) each migrate it or find it migrated, and none dies on the others'
half-made schema (before, all but one died: `duplicate key value violates unique constraint
"pg_type_typname_nsp_index"` on PostgreSQL, `table alembic_version already exists` on SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from alembic import command
from sqlalchemy import text

from distscout.store.engine import create_store_engine, open_engine
from distscout.store.migrate import alembic_config, current_revision, head_revision
from tests.store.cli_processes import ROOT

PROCESSES = 6
# Each process loads everything, then waits for the go file: they open the database within a millisecond
# of each other, not a start-up's import time apart.
OPEN_AT_THE_SIGNAL = """
import sys, time
from pathlib import Path
from alembic import command
from sqlalchemy import text

from distscout.store.engine import create_store_engine, open_engine
from distscout.store.migrate import upgrade  # Alembic loaded before the start
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
open_engine(sys.argv[1]).dispose()
"""


def test_processes_migrating_one_fresh_database_at_once_all_succeed(
    database_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    started = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_THE_SIGNAL, database_url, str(go)],
            cwd=ROOT,
            env=os.environ | {"DISTSCOUT_CONFIG": os.devnull},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    time.sleep(2)  # not a limit: the processes get ready meanwhile (a late one only races less)
    go.touch()
    failures = [p.communicate(timeout=300)[1] for p in started if p.wait(timeout=300) != 0]
    assert not failures, failures[0][-1500:]
    engine = open_engine(database_url, migrate=False)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_store_migrated_from_an_older_revision_keeps_its_rows(database_url: str) -> None:
    """0004 rebuilds `repos` on SQLite (Alembic's batch mode drops and copies it): with foreign keys on,
    the drop deleted every row cascading from a repository: an SQLite store at 0003 lost its scan runs."""
    engine = create_store_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO repos (host, owner, name, repo_key, url, added_at) VALUES "
                "('github.com', 'acme', 'widget', 'github.com/acme/widget', "
                "'https://github.com/acme/widget', "
                "'2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO scan_runs (repo_id, finished_at, verdict, outcomes, interpreter_version) "
                "SELECT id, '2026-01-02 00:00:00', 'complete', '{}', 'v1' FROM repos"
            )
        )
    engine.dispose()
    migrated = open_engine(database_url)
    assert current_revision(migrated) == head_revision()
    with migrated.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM scan_runs")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM repos")).scalar_one() == 1
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1, "on again"
    migrated.dispose()
