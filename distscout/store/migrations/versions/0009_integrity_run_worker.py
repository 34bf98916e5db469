"""integrity_runs.worker: a repair killed mid-run is taken back with its worker's claims

A daemon killed while its start-up repair ran left the run unfinished, so `integrity check` said "in
progress" for the hour of the run's lease. The run now names its process; taking back a dead worker's
claims marks its unfinished runs abandoned.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrity_runs") as batch:
        batch.add_column(sa.Column("worker", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integrity_runs") as batch:
        batch.drop_column("worker")
