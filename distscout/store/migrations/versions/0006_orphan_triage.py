"""orphan triage: a verdict on each manifest row (and its history), kept answers in the http cache

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_MANIFEST_TABLES = ("repo_distribution_manifest", "repo_distribution_manifest_history")


def upgrade() -> None:
    for table in _MANIFEST_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("verdict", sa.String(length=20), nullable=True))
            batch.add_column(
                sa.Column("verdict_detail", sa.String(length=500), server_default="", nullable=False)
            )
            batch.add_column(sa.Column("linked_repository", sa.String(length=500), nullable=True))
    with op.batch_alter_table("http_cache") as batch:
        batch.add_column(sa.Column("status", sa.Integer(), server_default="200", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("http_cache") as batch:
        batch.drop_column("status")
    for table in _MANIFEST_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("linked_repository")
            batch.drop_column("verdict_detail")
            batch.drop_column("verdict")
