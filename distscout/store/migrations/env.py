"""Alembic environment: distscout runs migrations in-process (`distscout migrate`, and on first use)."""

from __future__ import annotations

from alembic import context

from distscout.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached through the alembic command line
    raise RuntimeError("distscout migrations run through distscout.store.migrate, with a connection")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
