"""http cache

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:05:20.714407
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "http_cache",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("request_key", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=200), server_default="", nullable=False),
        sa.Column("link", sa.Text(), server_default="", nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest"], ["capture_bodies.digest"], name=op.f("fk_http_cache_digest_capture_bodies")
        ),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_http_cache")),
    )


def downgrade() -> None:

    op.drop_table("http_cache")
