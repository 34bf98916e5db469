"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 01:31:39.779592
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "capture_bodies",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(length=10), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_capture_bodies")),
    )
    op.create_table(
        "repos",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("repo_key", sa.String(length=310), nullable=False),
        sa.Column("url", sa.String(length=400), nullable=False),
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("default_branch", sa.String(length=255), nullable=True),
        sa.Column("owner_type", sa.String(length=20), nullable=True),
        sa.Column("renamed_from", sa.String(length=400), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("distribution_last_run", sa.DateTime(timezone=True), nullable=True),
        sa.Column("distribution_failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("distribution_last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("distribution_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("distribution_scan_complete", sa.Boolean(), nullable=True),
        sa.Column("distribution_last_error", sa.Text(), nullable=True),
        sa.Column("distribution_claimed_by", sa.String(length=64), nullable=True),
        sa.Column("distribution_claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repos")),
        sa.UniqueConstraint("repo_key", name=op.f("uq_repos_repo_key")),
    )
    with op.batch_alter_table("repos", schema=None) as batch_op:
        batch_op.create_index(
            "ix_repos_claim_due",
            ["distribution_last_run", "id"],
            unique=False,
            postgresql_where=sa.text("archived = false"),
            sqlite_where=sa.text("archived = false"),
        )
        batch_op.create_index(
            "ix_repos_claim_partial",
            ["distribution_last_run", "id"],
            unique=False,
            postgresql_where=sa.text("distribution_scan_complete = false"),
            sqlite_where=sa.text("distribution_scan_complete = false"),
        )

    op.create_table(
        "captures",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("request", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=1000), server_default="", nullable=False),
        sa.Column("from_cache", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest"], ["capture_bodies.digest"], name=op.f("fk_captures_digest_capture_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repos.id"], name=op.f("fk_captures_repo_id_repos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captures")),
    )
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.create_index("ix_captures_repo_source", ["repo_id", "source"], unique=False)

    op.create_table(
        "repo_distribution",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ecosystem", sa.String(length=40), nullable=False),
        sa.Column("package_name", sa.String(length=500), nullable=False),
        sa.Column("normalized_name", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("purl", sa.String(length=700), nullable=True),
        sa.Column("version_count", sa.Integer(), nullable=True),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provenance", sa.String(length=60), nullable=True),
        sa.Column("noise", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("interpreter_version", sa.String(length=40), nullable=False),
        sa.Column("data_collection_date", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repos.id"], name=op.f("fk_repo_distribution_repo_id_repos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repo_distribution")),
        sa.UniqueConstraint(
            "repo_id",
            "ecosystem",
            "package_name",
            "source",
            name=op.f("uq_repo_distribution_repo_id_ecosystem_package_name_source"),
        ),
    )
    op.create_table(
        "repo_distribution_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ecosystem", sa.String(length=40), nullable=False),
        sa.Column("package_name", sa.String(length=500), nullable=False),
        sa.Column("normalized_name", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("purl", sa.String(length=700), nullable=True),
        sa.Column("version_count", sa.Integer(), nullable=True),
        sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provenance", sa.String(length=60), nullable=True),
        sa.Column("noise", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("interpreter_version", sa.String(length=40), nullable=False),
        sa.Column("data_collection_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
            name=op.f("fk_repo_distribution_history_repo_id_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repo_distribution_history")),
    )
    with op.batch_alter_table("repo_distribution_history", schema=None) as batch_op:
        batch_op.create_index("ix_repo_distribution_history_repo", ["repo_id", "rotated_at"], unique=False)

    op.create_table(
        "repo_distribution_manifest",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("manifest_path", sa.String(length=1000), nullable=False),
        sa.Column("manifest_type", sa.String(length=40), nullable=False),
        sa.Column("package_name_declared", sa.String(length=500), nullable=True),
        sa.Column("normalized_name", sa.String(length=500), nullable=True),
        sa.Column("purl", sa.String(length=700), nullable=True),
        sa.Column("intent", sa.Boolean(), nullable=False),
        sa.Column("intent_reason", sa.String(length=300), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=500), server_default="", nullable=False),
        sa.Column("parser_version", sa.String(length=40), nullable=False),
        sa.Column("data_collection_date", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
            name=op.f("fk_repo_distribution_manifest_repo_id_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repo_distribution_manifest")),
        sa.UniqueConstraint(
            "repo_id", "manifest_path", name=op.f("uq_repo_distribution_manifest_repo_id_manifest_path")
        ),
    )
    op.create_table(
        "repo_distribution_manifest_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("manifest_path", sa.String(length=1000), nullable=False),
        sa.Column("manifest_type", sa.String(length=40), nullable=False),
        sa.Column("package_name_declared", sa.String(length=500), nullable=True),
        sa.Column("normalized_name", sa.String(length=500), nullable=True),
        sa.Column("purl", sa.String(length=700), nullable=True),
        sa.Column("intent", sa.Boolean(), nullable=False),
        sa.Column("intent_reason", sa.String(length=300), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=500), server_default="", nullable=False),
        sa.Column("parser_version", sa.String(length=40), nullable=False),
        sa.Column("data_collection_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["repos.id"],
            name=op.f("fk_repo_distribution_manifest_history_repo_id_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repo_distribution_manifest_history")),
    )
    with op.batch_alter_table("repo_distribution_manifest_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_repo_distribution_manifest_history_repo", ["repo_id", "rotated_at"], unique=False
        )

    op.create_table(
        "scan_runs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("repo_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("outcomes", sa.Text(), nullable=False),
        sa.Column("interpreter_version", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repos.id"], name=op.f("fk_scan_runs_repo_id_repos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_runs")),
    )
    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.create_index("ix_scan_runs_repo", ["repo_id", "finished_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("scan_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_runs_repo")

    op.drop_table("scan_runs")
    with op.batch_alter_table("repo_distribution_manifest_history", schema=None) as batch_op:
        batch_op.drop_index("ix_repo_distribution_manifest_history_repo")

    op.drop_table("repo_distribution_manifest_history")
    op.drop_table("repo_distribution_manifest")
    with op.batch_alter_table("repo_distribution_history", schema=None) as batch_op:
        batch_op.drop_index("ix_repo_distribution_history_repo")

    op.drop_table("repo_distribution_history")
    op.drop_table("repo_distribution")
    with op.batch_alter_table("captures", schema=None) as batch_op:
        batch_op.drop_index("ix_captures_repo_source")

    op.drop_table("captures")
    with op.batch_alter_table("repos", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_repos_claim_partial",
            postgresql_where=sa.text("distribution_scan_complete = false"),
            sqlite_where=sa.text("distribution_scan_complete = false"),
        )
        batch_op.drop_index(
            "ix_repos_claim_due",
            postgresql_where=sa.text("archived = false"),
            sqlite_where=sa.text("archived = false"),
        )

    op.drop_table("repos")
    op.drop_table("capture_bodies")
