"""The database fixtures themselves (tests/databases.py): real SQLite and a real PostgreSQL server."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    inspect,
    make_url,
    select,
    text,
)

from distscout.store.engine import open_engine
from tests.databases import ENV_URL, INSTALL_HINT, PostgresServer, find_bindir, postgresql_only

metadata = MetaData()
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def test_round_trip_through_core(engine: Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(jobs), [{"name": "scan"}, {"name": "résumé ✓"}])
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.name).order_by(jobs.c.id)).all()
    assert [tuple(row) for row in rows] == [(1, "scan"), (2, "résumé ✓")]


@pytest.mark.parametrize("turn", [1, 2])
def test_each_test_gets_an_empty_database(engine: Engine, turn: int) -> None:
    # Whichever turn runs second would find the first one's table if databases were shared.
    assert inspect(engine).get_table_names() == []
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE leftover (turn INTEGER)"))
        conn.execute(text("INSERT INTO leftover VALUES (:turn)"), {"turn": turn})


def test_the_two_backends(request: pytest.FixtureRequest, database_url: str) -> None:
    url = make_url(database_url)
    backend = request.node.callspec.id
    assert url.get_backend_name() == backend
    if backend == "sqlite":
        assert url.database is not None
        assert Path(url.database).parent == request.getfixturevalue("tmp_path")
        assert request.node.get_closest_marker("postgresql") is None
    else:
        assert url.drivername == "postgresql+psycopg"
        assert url.database is not None
        assert url.database.startswith("test_")
        assert url.password
        if not os.environ.get(ENV_URL):
            assert url.host == "127.0.0.1"
        assert request.node.get_closest_marker("postgresql") is not None


@postgresql_only
def test_postgresql_only_runs_on_postgresql(request: pytest.FixtureRequest, database_url: str) -> None:
    assert request.node.callspec.id == "postgresql"
    assert make_url(database_url).get_backend_name() == "postgresql"


def test_postgres_settings(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW server_encoding")).scalar_one() == "UTF8"
            assert int(conn.execute(text("SHOW max_connections")).scalar_one()) >= 100
            if not os.environ.get(ENV_URL):
                assert conn.execute(text("SHOW fsync")).scalar_one() == "off"
                assert conn.execute(text("SHOW listen_addresses")).scalar_one() == "127.0.0.1"
                # The login role is not a superuser: it owns its database, as the application would.
                assert (
                    conn.execute(
                        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    ).scalar_one()
                    is False
                )
    finally:
        engine.dispose()


def test_for_update_skip_locked(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=2)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(jobs), [{"name": "first"}, {"name": "second"}, {"name": "third"}])
        claim = select(jobs.c.id).order_by(jobs.c.id).limit(1).with_for_update(skip_locked=True)
        with engine.connect() as worker_a, engine.connect() as worker_b:
            with worker_a.begin():
                assert worker_a.execute(claim).scalar_one() == 1
                with worker_b.begin():
                    # Row 1 is locked by worker A: worker B skips it instead of waiting.
                    assert worker_b.execute(claim).scalar_one() == 2
                    # Without SKIP LOCKED, B would block: NOWAIT shows the lock is really held.
                    nowait = select(jobs.c.id).where(jobs.c.id == 1).with_for_update(nowait=True)
                    with pytest.raises(Exception, match="could not obtain lock"):
                        worker_b.execute(nowait)
            # A's transaction has ended: row 1 is free again.
            with worker_b.begin():
                assert worker_b.execute(claim).scalar_one() == 1
    finally:
        engine.dispose()


def test_databases_are_dropped(postgres_server: PostgresServer) -> None:
    def names(conn_url: str) -> set[str]:
        engine = create_engine(conn_url)
        try:
            with engine.connect() as conn:
                return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
        finally:
            engine.dispose()

    maintenance = postgres_server.url.render_as_string(hide_password=False)
    with postgres_server.database() as url:
        name = make_url(url).database
        # An open connection does not stop the drop: WITH (FORCE) closes it.
        engine = create_engine(url)
        held = engine.connect()
        assert name in names(maintenance)
    assert name not in names(maintenance)
    held.invalidate()
    engine.dispose()


def test_find_bindir(tmp_path: Path) -> None:
    assert find_bindir(pg_config=None, search=[tmp_path], path=str(tmp_path)) is None
    for version in ("9.6", "15", "16"):
        bindir = tmp_path / version / "bin"
        bindir.mkdir(parents=True)
        for tool in ("initdb", "pg_ctl"):
            (bindir / tool).write_text("#!/bin/sh\n")
            (bindir / tool).chmod(stat.S_IRWXU)
    (tmp_path / "16" / "bin" / "pg_ctl").unlink()  # a partial install is not usable
    assert find_bindir(pg_config=None, search=[tmp_path], path="") == tmp_path / "15" / "bin"


def test_install_hint_says_how() -> None:
    assert "apt-get install -y postgresql" in INSTALL_HINT
    assert ENV_URL in INSTALL_HINT


def test_store_sessions_run_without_jit(postgres_url: str) -> None:
    """PostgreSQL's JIT spent 400 of 490 ms compiling one orphan count (bench/dashboard.py): the store's
    sessions turn it off, and keep it off across the pool's rollbacks."""
    engine = open_engine(postgres_url)
    try:
        for _ in range(2):
            with engine.connect() as connection:
                assert connection.execute(text("SHOW jit")).scalar() == "off"
                connection.rollback()
    finally:
        engine.dispose()
