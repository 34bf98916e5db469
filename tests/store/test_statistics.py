"""An integrity check first brings PostgreSQL's planner statistics up to date: on a store filled since
autovacuum last looked, the planner took the tables for empty and its whole-fleet plans grew with the
square of the fleet (bench/fleet.py). SQLite needs none."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

from distscout.integrity.check import run_check
from distscout.repos import parse_repo_ref
from distscout.store.repos import add_repos
from distscout.store.statistics import refresh_statistics
from tests.store.helpers import Clock, tracked

FLEET = [f"org{i % 3}/repo-{i:03}" for i in range(120)]


def _planner_rows(engine: Engine, table: str) -> float:
    with engine.connect() as connection:
        query = text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)")
        return float(connection.execute(query, {"table": table}).scalar_one())


def test_a_check_analyses_a_freshly_filled_store(postgres_url: str, tmp_path: Path) -> None:
    engine = tracked(postgres_url, FLEET, Clock())
    assert _planner_rows(engine, "repos") != len(FLEET)  # as a first pass leaves it: never analysed
    run_check(engine, tmp_path, datetime.now(UTC))
    assert _planner_rows(engine, "repos") == len(FLEET)
    assert _planner_rows(engine, "scan_runs") == -1  # empty: "empty" would mislead while it fills
    engine.dispose()


def test_a_table_is_analysed_again_once_it_has_grown(postgres_url: str) -> None:
    engine = tracked(postgres_url, FLEET, Clock())
    assert "repos" in refresh_statistics(engine)
    assert refresh_statistics(engine) == []  # nothing grew since
    more = [f"more/repo-{i:04}" for i in range(600)]
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref(name) for name in more], datetime.now(UTC))
    assert refresh_statistics(engine) == ["repos"]
    assert _planner_rows(engine, "repos") == len(FLEET) + len(more)
    engine.dispose()


def test_sqlite_is_left_as_it_is(sqlite_url: str) -> None:
    engine = tracked(sqlite_url, FLEET, Clock())
    refresh_statistics(engine)
    with engine.connect() as connection:
        analysed = connection.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        assert analysed.first() is None
    engine.dispose()
