"""integrity_runs.worker and .after_scan: a killed repair is taken back; a fleet checks once per cycle

A daemon killed while its start-up repair ran left the run unfinished, so `integrity check` said "in
progress" for the hour of the run's lease. The run now names its process; taking back a dead worker's
claims marks its unfinished runs abandoned. And every daemon of a fleet checked the whole store when its
cycle settled, N checks of one store: a run now records the newest scan when it started, and a daemon
skips its check when a whole repair has checked since.

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
        batch.add_column(sa.Column("after_scan", sa.BigInteger(), server_default="0", nullable=False))
        batch.create_index("ix_integrity_runs_after_scan", ["after_scan"])


def downgrade() -> None:
    with op.batch_alter_table("integrity_runs") as batch:
        batch.drop_index("ix_integrity_runs_after_scan")
        batch.drop_column("after_scan")
        batch.drop_column("worker")
