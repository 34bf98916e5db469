"""What `doctor` reads from the database (the CLI's and the dashboard's alike): tracked repositories to
prove the bulk lookup with, the forges the fleet lives on, the server's clock; or why it could not."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from distscout.config import masked_url
from distscout.repos import RepoRef

CANARY_TRIES = 3  # single lookups spent looking for a repository that ecosyste.ms knows


@dataclass(frozen=True)
class Tracked:
    candidates: list[RepoRef] = field(default_factory=list)
    hosts: frozenset[str] = frozenset()
    skew: float | None = None  # the PostgreSQL server's clock against this machine's
    problem: str | None = None  # why the database could not be read


def read_tracked(engine: Engine) -> Tracked:
    from distscout.store.repos import canary_candidates, tracked_hosts  # noqa: PLC0415 - lazy: start-up
    from distscout.store.workers import clock_skew  # noqa: PLC0415 - lazy: start-up

    with engine.connect() as connection:
        return Tracked(
            canary_candidates(connection, CANARY_TRIES), tracked_hosts(connection), clock_skew(connection)
        )


def database_problem(url: str, exc: Exception) -> str:
    """One line saying why the database could not be read; the URL's password masked."""
    from distscout.store.engine import StoreError  # noqa: PLC0415 - lazy: start-up

    if isinstance(exc, StoreError):
        return str(exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"cannot use the database {masked_url(url)}: {first}"
