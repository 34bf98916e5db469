"""SQLite: the claim queries' partial indexes with the condition as the queries spell it

The claim queries compare with `0` on SQLite (SQLAlchemy's rendering of false()), and SQLite uses a partial
index only when the query's terms match the index's condition: `archived = 0` does not match
`archived = false`, so every claim read the whole repos table (tests/store/test_query_plans.py found it).
PostgreSQL compares booleans and used the indexes all along: nothing changes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_repos_claim_due": "archived",
    "ix_repos_claim_partial": "distribution_scan_complete",
}


def _recreate(spelling: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, column in _INDEXES.items():
        op.drop_index(name, table_name="repos")
        op.create_index(
            name,
            "repos",
            ["distribution_last_run", "id"],
            sqlite_where=sa.text(f"{column} = {spelling}"),
        )


def upgrade() -> None:
    _recreate("0")


def downgrade() -> None:
    _recreate("false")
