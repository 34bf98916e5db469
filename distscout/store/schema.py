"""The schema (design §4). One definition serves SQLite and PostgreSQL; Alembic migrations create it.

- `repos` with the scheduler columns and the indexes the claim query walks;
- current evidence: `repo_distribution` (one row per package per source) and `repo_distribution_manifest`;
- their `_history` twins: snapshots, so no natural-key UNIQUE there;
- `captures` + `capture_bodies`: the committed input (raw answers, manifest bodies), content-addressed and
  compressed, behind the current rows;
- `scan_runs`: one row per finished scan (verdict and per-source outcomes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    false,
    literal,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from distscout.forges import GITHUB_HOST

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias must be INTEGER


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are UTC and timezone-aware in Python on both backends (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: distscout stores UTC, timezone-aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


When = UTCDateTime()

repos = Table(
    "repos",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("host", String(100), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("repo_key", String(310), nullable=False, unique=True),  # lower-cased host/owner/name
    Column("url", String(400), nullable=False),
    Column("archived", Boolean, nullable=False, server_default=false()),
    Column("default_branch", String(255)),
    Column("owner_type", String(20)),
    Column("renamed_from", String(400)),
    Column("added_at", When, nullable=False),
    Column("distribution_last_run", When),
    Column("distribution_failed_attempts", Integer, nullable=False, server_default="0"),
    Column("distribution_last_failed_at", When),
    Column("distribution_retry_at", When),  # end of the failure backoff window
    Column("distribution_scan_complete", Boolean),
    # GitHub answered 404 for the repository (renames followed) in its latest scan: "not found", not complete
    Column("distribution_not_found", Boolean, nullable=False, server_default=false()),
    Column("distribution_last_error", Text),
    # SQLite has no row locks: a lease says who is scanning a repo, and until when.
    Column("distribution_claimed_by", String(64)),
    Column("distribution_claimed_until", When),
)
# The claim query walks these: never-run and oldest first among repos that are not archived, and the
# (usually few) partial scans first of all. Both are partial indexes; PostgreSQL's copy of the condition is
# added by `add_postgresql_options` when a PostgreSQL engine opens, because naming a dialect in an index's
# keywords makes SQLAlchemy import that dialect with all its drivers — 30 ms of every SQLite command's
# start-up (bench/startup.py).
_PARTIAL_INDEXES = (
    Index(
        "ix_repos_claim_due",
        repos.c.distribution_last_run,
        repos.c.id,
        sqlite_where=repos.c.archived == false(),
    ),
    Index(
        "ix_repos_claim_partial",
        repos.c.distribution_last_run,
        repos.c.id,
        sqlite_where=repos.c.distribution_scan_complete == false(),
    ),
    # The leases held now (a few per worker, whatever the fleet): a dead worker's are taken back, and an
    # idle worker counts the others', through this instead of reading every repository.
    Index(
        "ix_repos_held",
        repos.c.distribution_claimed_until,
        sqlite_where=repos.c.distribution_claimed_by.is_not(None),
    ),
)


def add_postgresql_options() -> None:
    """Give the partial indexes their condition on PostgreSQL too (idempotent; see `_PARTIAL_INDEXES`)."""
    for index in _PARTIAL_INDEXES:
        index.dialect_options["postgresql"]["where"] = index.dialect_options["sqlite"]["where"]


def _distribution_columns() -> list[Column[object]]:
    return [
        Column("ecosystem", String(40), nullable=False),
        Column("package_name", String(500), nullable=False),
        Column("normalized_name", String(500), nullable=False),  # compared with manifests' names
        Column("source", String(40), nullable=False),
        Column("purl", String(700)),
        Column("version_count", Integer),
        Column("first_published_at", When),
        Column("latest_published_at", When),
        Column("provenance", String(60)),
        Column("noise", Boolean, nullable=False, server_default=false()),
        Column("interpreter_version", String(40), nullable=False),
        Column("data_collection_date", When, nullable=False),
    ]


def _manifest_columns() -> list[Column[object]]:
    return [
        Column("manifest_path", String(1000), nullable=False),
        Column("manifest_type", String(40), nullable=False),
        Column("package_name_declared", String(500)),
        Column("normalized_name", String(500)),
        Column("purl", String(700)),
        Column("intent", Boolean, nullable=False),
        Column("intent_reason", String(300), nullable=False, server_default=""),
        Column("status", String(20), nullable=False),
        Column("detail", String(500), nullable=False, server_default=""),
        Column("parser_version", String(40), nullable=False),
        Column("data_collection_date", When, nullable=False),
        # Orphan triage (distscout.triage): why a declared name has no registry evidence of this repository.
        # NULL where the manifest is published (or declares nothing to publish).
        Column("verdict", String(20)),
        Column("verdict_detail", String(500), nullable=False, server_default=""),
        Column("linked_repository", String(500)),  # where the registry's package links instead (taken)
    ]


def _repo_id() -> Column[int]:
    return Column("repo_id", Id, ForeignKey("repos.id", ondelete="CASCADE"), nullable=False)


repo_distribution = Table(
    "repo_distribution",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _repo_id(),
    *_distribution_columns(),
    UniqueConstraint("repo_id", "ecosystem", "package_name", "source"),
)
repo_distribution_manifest = Table(
    "repo_distribution_manifest",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _repo_id(),
    *_manifest_columns(),
    UniqueConstraint("repo_id", "manifest_path"),
)
repo_distribution_history = Table(
    "repo_distribution_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _repo_id(),
    *_distribution_columns(),
    Column("rotated_at", When, nullable=False),
    Index("ix_repo_distribution_history_repo", "repo_id", "rotated_at"),
)
repo_distribution_manifest_history = Table(
    "repo_distribution_manifest_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _repo_id(),
    *_manifest_columns(),
    Column("rotated_at", When, nullable=False),
    Index("ix_repo_distribution_manifest_history_repo", "repo_id", "rotated_at"),
)

capture_bodies = Table(
    "capture_bodies",
    metadata,
    Column("digest", String(64), primary_key=True),  # sha256 of the uncompressed body
    Column("size", Integer, nullable=False),
    Column("encoding", String(10), nullable=False),  # "zlib" or "raw"
    Column("content", LargeBinary, nullable=False),
)
captures = Table(
    "captures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _repo_id(),
    Column("source", String(40), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("request", String(2000), nullable=False),
    Column("status", Integer, nullable=False),
    Column("subject", String(1000), nullable=False, server_default=""),
    Column("from_cache", Boolean, nullable=False, server_default=false()),
    Column("fetched_at", When, nullable=False),
    Column("digest", String(64), ForeignKey("capture_bodies.digest"), nullable=False),
    Index("ix_captures_repo_source", "repo_id", "source"),
)

scan_runs = Table(
    "scan_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _repo_id(),
    Column("finished_at", When, nullable=False),
    Column("verdict", String(20), nullable=False),  # complete | partial | failed
    Column("outcomes", Text, nullable=False),  # JSON: source -> outcome
    Column("interpreter_version", String(40), nullable=False),
    Index("ix_scan_runs_repo", "repo_id", "finished_at"),
)


# --- integrity (design §6) ------------------------------------------------------------------------

derived_outputs = Table(
    "derived_outputs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),  # "report:orphans", "card:owner/name", …
    Column("kind", String(30), nullable=False),  # fleet_report | repo_card | history_summary
    Column("repo_id", Id, ForeignKey("repos.id", ondelete="CASCADE")),
    Column("path", String(1000)),  # where a published file was written (exports and cards)
    Column("fingerprint", String(64), nullable=False),  # sha256 of the content as built
    Column("inputs", Text, nullable=False),  # JSON lineage: what it was derived from
    Column("interpreter_version", String(40), nullable=False),
    Column("built_at", When, nullable=False),
    Column("content", Text),  # kept in the database for history summaries
)
active_scans = Table(
    "active_scans",
    metadata,
    Column("repo_id", Id, ForeignKey("repos.id", ondelete="CASCADE"), primary_key=True),
    Column("worker", String(64), nullable=False),
    Column("started_at", When, nullable=False),
    Column("until", When, nullable=False),  # a dead worker's entry stops counting after this
)
# One row per running distscout process that claims work (scan, serve, worker), beaten every few seconds.
# Claim tokens begin with the worker's id, so a worker whose beat stops can have its leases and
# active_scans entries taken back at once instead of when the 30-minute lease runs out.
workers = Table(
    "workers",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),  # scan | serve | worker
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", When, nullable=False),
    Column("beat_at", When, nullable=False),
    Index("ix_workers_beat_at", "beat_at"),
)
integrity_runs = Table(
    "integrity_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("started_at", When, nullable=False),
    Column("finished_at", When),
    Column("until", When, nullable=False),
    Column("summary", Text),
    # the process running it (store/workers.py): when its beat stops, the run is marked abandoned at once
    # instead of reading as "in progress" until its lease runs out
    Column("worker", String(40)),
    # the newest scan stored when it started: a daemon whose cycle settles skips its check when a whole
    # repair has checked since the last scan (N machines of a fleet settle together: one check, not N)
    Column("after_scan", BigInteger, nullable=False, server_default="0"),
    Index("ix_integrity_runs_after_scan", "after_scan"),
)


# --- conditional requests (ETags), persisted so a rescan from any process can ask "changed since?" ------

http_cache = Table(
    "http_cache",
    metadata,
    Column("key_hash", String(64), primary_key=True),  # sha256 of the request key (URLs can be long)
    Column("request_key", Text, nullable=False),
    Column("etag", String(500), nullable=False),
    Column("digest", String(64), ForeignKey("capture_bodies.digest"), nullable=False),
    Column("content_type", String(200), nullable=False, server_default=""),
    Column("link", Text, nullable=False, server_default=""),  # a cached page's pagination
    Column("status", Integer, nullable=False, server_default="200"),  # a kept answer may be a 404
    Column("stored_at", When, nullable=False),
)


def repo_label() -> ColumnElement[str]:
    """A repository's name in reports, in SQL: `owner/name` on GitHub, `host/owner/name` elsewhere
    (`distscout.repos.display_name`)."""
    path = repos.c.owner + literal("/") + repos.c.name
    return case((repos.c.host == GITHUB_HOST, path), else_=repos.c.host + literal("/") + path)
