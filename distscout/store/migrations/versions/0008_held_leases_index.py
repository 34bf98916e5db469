"""The leases held now, indexed: taking back a dead worker's, and counting the others' while idle

`reap_dead`, `reclaimable` and `claims_held_elsewhere` read every repository (`claimed_by LIKE 'w…%'` can
use no index); the held leases are a few per worker, so a partial index on them serves all three.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_HELD = sa.text("distribution_claimed_by IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_repos_held", "repos", ["distribution_claimed_until"], sqlite_where=_HELD, postgresql_where=_HELD
    )


def downgrade() -> None:
    op.drop_index("ix_repos_held", table_name="repos")
