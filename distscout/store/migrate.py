"""Run the Alembic migrations in-process, and open engines that are always migrated first."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("distscout.store")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its migrations
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest schema; returns (revision before, revision after)."""
    head = head_revision()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # only outside a transaction does this pragma take effect
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        try:
            _one_at_a_time(connection)
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(alembic_config(connection), "head")
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").first()):
                raise RuntimeError(
                    f"the migrated schema breaks a foreign key of {broken[0]}; nothing changed"
                )
            connection.commit()
            if before != head:
                log.info("database migrated: %s → %s", before or "(empty)", head)
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()
    return before, head


# The key of PostgreSQL's advisory lock on migrating (any constant: the database is distscout's own).
_MIGRATION_LOCK = 0x64697374  # "dist"


def _one_at_a_time(connection: Connection) -> None:
    """Hold the database's migration lock until this transaction ends. A fleet's processes start together
    on a fresh database (compose.yaml's two workers and the web): each saw no schema, and all but one died
    on the others' half-made tables. Now the others wait, then read the newest revision and do nothing.

    SQLite: its write lock, taken at once (Python's sqlite3 otherwise runs DDL outside any transaction, so
    a failed migration left half its changes). Its foreign keys are off meanwhile (`upgrade`), as SQLite's
    own procedure for schema changes says: Alembic's batch mode rebuilds a table by dropping it, and with
    them on, dropping `repos` deleted every row that cascades from it (a store at 0003 lost its scan runs)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
