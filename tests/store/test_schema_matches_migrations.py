"""The Alembic migrations build exactly the schema `store/schema.py` describes, on both backends: a column
added to one and not the other (migration 0005's `workers` table, say) fails here, not in production."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from distscout.store.engine import open_engine
from distscout.store.migrate import head_revision
from distscout.store.schema import metadata


def test_the_migrated_database_is_the_described_schema(database_url: str) -> None:
    engine = open_engine(database_url)  # migrates a fresh database to the head revision
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == head_revision()
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
