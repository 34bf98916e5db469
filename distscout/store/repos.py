"""Tracked repositories: add, list, find."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select, update

from distscout.interpreters.ecosystems import ECOSYSTEMS
from distscout.repos import RepoRef
from distscout.store.schema import repo_distribution, repos


@dataclass(frozen=True)
class TrackedRepo:
    id: int
    ref: RepoRef
    archived: bool
    last_run: datetime | None
    scan_complete: bool | None
    failed_attempts: int
    last_error: str | None
    not_found: bool = False  # GitHub answered 404 in the latest scan

    @classmethod
    def from_row(cls, row: Row[tuple[object, ...]]) -> TrackedRepo:
        values = row._mapping
        return cls(
            id=values["id"],
            ref=RepoRef(values["host"], values["owner"], values["name"]),
            archived=values["archived"],
            last_run=values["distribution_last_run"],
            scan_complete=values["distribution_scan_complete"],
            failed_attempts=values["distribution_failed_attempts"],
            last_error=values["distribution_last_error"],
            not_found=values["distribution_not_found"],
        )

    def as_dict(self) -> dict[str, Any]:
        """The repository as `repos list --json` and `GET /api/repos` show it."""
        if self.not_found:
            scan = "not_found"
        elif self.scan_complete is not None:
            scan = "complete" if self.scan_complete else "partial"
        else:  # no stored scan: never run, or sidelined after repeated failures
            scan = "never" if self.last_run is None else "failed"
        return {
            "repo": self.ref.display,
            "url": self.ref.url,
            "archived": self.archived,
            "last_run": iso(self.last_run),
            "scan": scan,
            "scan_complete": self.scan_complete,
            "failed_attempts": self.failed_attempts,
            "last_error": self.last_error,
        }


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def add_repos(
    connection: Connection, refs: Iterable[RepoRef], now: datetime
) -> tuple[list[RepoRef], list[RepoRef]]:
    """Track `refs`; returns (added, already tracked). Identity is case-insensitive."""
    added, existing, seen = [], [], set()
    known = set(connection.execute(select(repos.c.repo_key)).scalars())
    for ref in refs:
        if ref.key in known or ref.key in seen:
            existing.append(ref)
            continue
        seen.add(ref.key)
        added.append(ref)
    if added:
        connection.execute(
            repos.insert(),
            [
                {
                    "host": r.host,
                    "owner": r.owner,
                    "name": r.name,
                    "repo_key": r.key,
                    "url": r.url,
                    "added_at": now,
                }
                for r in added
            ],
        )
    return added, existing


def find_repo(connection: Connection, ref: RepoRef) -> TrackedRepo | None:
    row = connection.execute(select(repos).where(repos.c.repo_key == ref.key)).first()
    return TrackedRepo.from_row(row) if row is not None else None


def list_repos(connection: Connection, limit: int | None = None) -> Sequence[TrackedRepo]:
    query = select(repos).order_by(repos.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [TrackedRepo.from_row(row) for row in connection.execute(query)]


def canary_candidates(connection: Connection, limit: int) -> list[RepoRef]:
    """Tracked repositories likely known to ecosyste.ms: those it has answered packages for come first."""
    known = (
        select(repo_distribution.c.repo_id)
        .where(repo_distribution.c.repo_id == repos.c.id, repo_distribution.c.source == ECOSYSTEMS)
        .exists()
    )
    query = select(repos).order_by(known.desc(), repos.c.id).limit(limit)
    return [TrackedRepo.from_row(row).ref for row in connection.execute(query)]


def tracked_hosts(connection: Connection) -> frozenset[str]:
    """The forges the fleet's repositories live on (`doctor` checks each GitLab among them)."""
    return frozenset(connection.execute(select(repos.c.host).distinct()).scalars())


def iter_repos(engine: Engine, page: int = 500) -> Iterator[TrackedRepo]:
    """Every tracked repository in id order, read a page at a time: memory does not grow with the fleet."""
    after = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(repos).where(repos.c.id > after).order_by(repos.c.id).limit(page)
            ).all()
        if not rows:
            return
        yield from (TrackedRepo.from_row(row) for row in rows)
        after = rows[-1].id


def count_repos(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(repos)).scalar_one())


def set_archived(connection: Connection, refs: Iterable[RepoRef], archived: bool = True) -> int:
    """Set the `archived` flag of the tracked repos among `refs` (the scheduler never claims archived repos).

    Returns how many rows changed; refs that are not tracked are ignored.
    """
    keys = sorted({ref.key for ref in refs})
    changed = 0
    for start in range(0, len(keys), 500):  # stay far below any backend's bound-parameter limit
        chunk = keys[start : start + 500]
        result = connection.execute(
            update(repos)
            .where(repos.c.repo_key.in_(chunk), repos.c.archived != archived)
            .values(archived=archived)
        )
        changed += result.rowcount
    return changed
