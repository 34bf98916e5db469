"""repos.distribution_not_found: a repository GitHub says does not exist

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("repos") as batch:
        batch.add_column(
            sa.Column("distribution_not_found", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("repos") as batch:
        batch.drop_column("distribution_not_found")
