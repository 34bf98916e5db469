"""Open the database named by a URL, migrated to the newest schema on first use."""

from __future__ import annotations

import functools
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from distscout.store.schema import add_postgresql_options

# The most PostgreSQL connections one process opens (half kept in its pool, half opened when busy): claims,
# the group writer, the HTTP cache and the heartbeat each use one at a time, in threads, and the web's reads
# take what is left. No scan holds one, so a fleet's budget is machines × this, whatever `workers` is.
STORE_CONNECTIONS = 10


class StoreError(Exception):
    """The database cannot be used; the message is meant for the user (no secrets in it)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA foreign_keys = ON")
    _write_ahead_log(cursor)  # readers do not block the writer, and vice versa
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _write_ahead_log(cursor: Any) -> None:
    """Switch a new file to WAL. Processes opening one new file at once (a fleet's first start) race to
    switch it, and SQLite answers the losers "database is locked" at once, without its busy wait: 5 of
    150 such openings failed. They try again until the winner has switched it (then it is a no-op)."""
    for _ in range(_WAL_ATTEMPTS - 1):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.01)
    cursor.execute("PRAGMA journal_mode = WAL")


_WAL_ATTEMPTS = 3000  # 30 s at most, as long as busy_timeout waits for a lock


def create_store_engine(url: str, *, pool_size: int = STORE_CONNECTIONS // 2) -> Engine:
    if _unencoded_at(url):
        raise StoreError(
            "the database URL holds more than one '@': percent-encode its password's special characters "
            "(@ as %40, / as %2F, # as %23, : as %3A)"
        )
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _sqlite_folder(Path(parsed.database).expanduser(), url)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise StoreError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    add_postgresql_options()
    # A server that does not answer at all (a host gone mid-failover) fails a connection in 10 s, not in the
    # two minutes of TCP's own retries: the daemon then waits for it (worker/outage.py), and stops when told.
    timeout = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
    # Text in UTF-8 whatever the server's default: a database created without a locale (SQL_ASCII) sends
    # bytes otherwise, and the driver's first query failed as a TypeError, not as the encoding it is.
    connect_args = {**timeout, "client_encoding": "UTF8"}
    engine = create_engine(
        parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, connect_args=connect_args
    )
    event.listen(engine, "connect", _postgresql_session)
    return engine


def _sqlite_folder(path: Path, url: str) -> None:
    """The folder of an SQLite file must be there, as sqlite3 and datasette expect: a mistyped path made a
    new folder and an empty store, and `stats` said 0 repositories. Only distscout's own default folder is
    made (a fresh machine's first run); a file in the way raises as the OS says (one line, commands)."""
    from distscout.config import data_directory  # noqa: PLC0415 - the store needs no settings but this

    folder = path.parent
    if folder.is_dir():
        return
    if folder.exists() or folder == data_directory():
        folder.mkdir(parents=True, exist_ok=True)
        return
    raise StoreError(
        f"cannot use the database {url}: the folder {folder} does not exist (create it first: distscout "
        f"makes only its default one, {data_directory()})"
    )


def _unencoded_at(url: str) -> bool:
    """A server URL whose password holds an unencoded `@`: parsed, its tail became the host (and was shown
    in the error as the host that failed to resolve)."""
    scheme, _, rest = url.partition("://")
    return not scheme.startswith("sqlite") and rest.partition("?")[0].count("@") > 1


def _postgresql_session(dbapi_connection: Any, _record: Any) -> None:
    # JIT off: the reports' correlated subqueries are estimated dear enough for PostgreSQL to JIT-compile
    # them, which took 400 of 490 ms counting the orphans of 10,000 repositories (bench/dashboard.py).
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def open_engine(url: str, *, migrate: bool = True, pool_size: int = STORE_CONNECTIONS // 2) -> Engine:
    """An engine on `url`, migrated to the newest schema unless `migrate` is false."""
    engine = create_store_engine(url, pool_size=pool_size)
    try:
        _refuse_other_encodings(engine)
        if migrate and not at_newest_revision(engine):
            from distscout.store.migrate import upgrade  # noqa: PLC0415 - lazy: Alembic only to migrate

            upgrade(engine)
        else:
            with engine.connect():
                pass
    except SQLAlchemyError as exc:
        engine.dispose()
        shown = make_url(engine.url).render_as_string(hide_password=True)
        raise StoreError(f"cannot use the database {shown}: {_reason(exc)}") from None
    return engine


def _refuse_other_encodings(engine: Engine) -> None:
    """A PostgreSQL database must store UTF-8: in SQL_ASCII nothing is checked and `lower()` leaves non-ASCII
    names as they are; in LATIN1 and the like a name outside it fails mid-scan. Said before anything runs."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        encoding = connection.execute(text("SHOW server_encoding")).scalar_one()
    if str(encoding).upper() not in ("UTF8", "UTF-8"):
        engine.dispose()
        shown = make_url(engine.url).render_as_string(hide_password=True)
        raise StoreError(
            f"cannot use the database {shown}: its encoding is {encoding}, and distscout stores text as "
            "UTF-8; create it with ENCODING 'UTF8' (createdb -E UTF8 -T template0)"
        )


def at_newest_revision(engine: Engine) -> bool:
    """The schema is at the newest migration already — every open but a fleet's first — read with one
    query, so that Alembic (a tenth of a second to import) is loaded only when there is work for it."""
    newest = newest_revision()
    if newest is None:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return stored == [newest]


@functools.cache
def newest_revision() -> str | None:
    """The head of the migration chain, read from the migration files' `revision` / `down_revision`
    lines (the one revision no other revises); None when that reading is not one plain chain."""
    revisions, revised = set(), set()
    for path in MIGRATIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        if revision is None:
            return None
        revisions.add(revision.group(1))
        if (down := _DOWN_REVISION.search(source)) is not None:
            revised.add(down.group(1))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r'^revision = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision = "([^"]+)"$', re.MULTILINE)


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0][:300]
