"""The planner's statistics, brought up to date before the whole-fleet reads of an integrity check.

A fleet's first pass fills its tables from nothing within minutes; until PostgreSQL's autovacuum has
analysed them (a minute at the soonest, later on a busy server), the planner takes each table for nearly
empty. The check's partial-evidence queries then read every repository again for each manifest: 1.25 s at
3,000 repositories, ~5 s at 6,000, growing with the square of the fleet (`bench/fleet.py`, 2026-12-05).
`ANALYZE` reads a sample of each table (30,000 rows at the default target), so its cost stays flat however
large the fleet; a check runs once a settled cycle. SQLite's planner needs no statistics for these reads.
"""

from __future__ import annotations

from sqlalchemy import Engine

from distscout.store.schema import metadata


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE distscout's own tables on PostgreSQL (never another application's in a shared database). A
    role that does not own them gets PostgreSQL's warning, not an error: the check runs on regardless."""
    if engine.dialect.name != "postgresql":
        return
    preparer = engine.dialect.identifier_preparer
    tables = ", ".join(preparer.format_table(table) for table in metadata.sorted_tables)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"ANALYZE {tables}")
