"""The planner's statistics, brought up to date before the whole-fleet reads of an integrity check.

A fleet's first pass fills its tables from nothing within minutes; until PostgreSQL's autovacuum has
analysed them (a minute at the soonest, later on a busy server), the planner takes each table for nearly
empty. The check's partial-evidence queries then read every repository again for each manifest: 1.25 s at
3,000 repositories, ~5 s at 6,000, growing with the square of the fleet (`bench/fleet.py`, 2026-12-05).

So a table is analysed when it has grown by more than a tenth since it last was, by its size on disk (known
at once; the server's row counters reach other sessions seconds late). An empty table is left alone: its
statistics would say "empty" while a first pass fills it, worse than none. `ANALYZE` reads a sample of a
table (30,000 rows at the default target): its cost stays flat however large the fleet, once a settled cycle.
SQLite's planner needs no statistics for these reads.
"""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, text

from distscout.store.schema import metadata

GROWTH = 1.1  # a table this many times its size at its last analysis is analysed again

_SIZES = text(
    "SELECT c.relname, c.relpages, pg_relation_size(c.oid) / current_setting('block_size')::int AS pages "
    "FROM pg_class c WHERE c.relnamespace = CAST(current_schema() AS regnamespace) AND c.relname IN :names"
).bindparams(bindparam("names", expanding=True))


def refresh_statistics(engine: Engine) -> list[str]:
    """ANALYZE those of distscout's own tables (never another application's in a shared database) that grew
    since they were last analysed, on PostgreSQL; their names. A role that does not own them gets
    PostgreSQL's warning, not an error: the check runs on regardless."""
    if engine.dialect.name != "postgresql":
        return []
    names = [table.name for table in metadata.sorted_tables]
    with engine.begin() as connection:
        sizes = connection.execute(_SIZES, {"names": names}).all()
        grown = sorted(row.relname for row in sizes if row.pages > 0 and row.pages > row.relpages * GROWTH)
        if grown:
            quoted = ", ".join(engine.dialect.identifier_preparer.quote(name) for name in grown)
            connection.exec_driver_sql(f"ANALYZE {quoted}")
    return grown
