"""append_rows: a COPY on PostgreSQL, an executemany on SQLite; insert_rows and update_rows: one
statement over arrays on PostgreSQL — the same rows, errors and transaction on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import CHAR, Column, Enum, MetaData, String, Table, TypeDecorator, Unicode, select
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from distscout.store.bulk import append_rows, insert_rows, update_rows
from distscout.store.schema import capture_bodies, http_cache, repos, scan_runs
from tests.store.helpers import Clock, tracked

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def run(repo_id: int, verdict: str, finished_at: datetime = NOW) -> dict[str, object]:
    return {
        "repo_id": repo_id,
        "finished_at": finished_at,
        "verdict": verdict,
        "outcomes": '{"a": "ok"}',
        "interpreter_version": "t\tab\nnew line \\ and quote '\"",  # COPY's own escapes, sent as data
    }


def stored(engine: object) -> list[tuple[object, ...]]:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        query = select(
            scan_runs.c.repo_id, scan_runs.c.finished_at, scan_runs.c.verdict, scan_runs.c.interpreter_version
        )
        return [tuple(row) for row in connection.execute(query.order_by(scan_runs.c.id))]


def test_rows_are_stored_as_an_insert_stores_them(database_url: str) -> None:
    engine = tracked(database_url, ["a/one", "a/two"], Clock())
    with engine.begin() as connection:
        reordered = dict(reversed(run(2, "partial").items()))  # the same keys in another order
        append_rows(connection, scan_runs, [run(1, "complete"), reordered])
        append_rows(connection, scan_runs, [])  # nothing to do
    later = datetime(2026, 12, 4, 13, 0, tzinfo=UTC).astimezone()  # another zone: stored as UTC
    with engine.begin() as connection:
        append_rows(connection, scan_runs, [run(1, "failed", later)])
    text = run(1, "x")["interpreter_version"]
    assert stored(engine) == [
        (1, NOW, "complete", text),
        (2, NOW, "partial", text),
        (1, datetime(2026, 12, 4, 13, 0, tzinfo=UTC), "failed", text),
    ]


def test_a_bad_row_fails_the_whole_transaction_as_an_insert_would(database_url: str) -> None:
    engine = tracked(database_url, ["a/one"], Clock())
    with pytest.raises(IntegrityError), engine.begin() as connection:  # the SQLAlchemy error, both backends
        append_rows(connection, scan_runs, [run(1, "complete")])
        append_rows(connection, scan_runs, [run(1, "complete"), run(999, "complete")])  # no repo 999
    assert stored(engine) == [], "rolled back with the rest of its transaction"
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
        append_rows(connection, scan_runs, [run(1, "complete", datetime(2026, 12, 4))])
    with pytest.raises(ValueError, match="other columns"), engine.begin() as connection:
        append_rows(connection, scan_runs, [run(1, "complete"), {"repo_id": 1}])


def test_the_first_statement_of_a_connection_commits_with_it(database_url: str) -> None:
    """No transaction begun yet (`engine.connect()`): the append begins one, as an INSERT would, and the
    caller's commit stores it (a COPY outside SQLAlchemy's transaction was rolled back in the pool)."""
    engine = tracked(database_url, ["a/one"], Clock())
    with engine.connect() as connection:
        append_rows(connection, scan_runs, [run(1, "complete")])
        connection.commit()
    assert [row[2] for row in stored(engine)] == ["complete"]
    with pytest.raises(ValueError, match="no column"), engine.begin() as connection:
        append_rows(connection, scan_runs, [{**run(1, "complete"), "nonsense": 1}])


def _bodies(engine: object) -> dict[str, tuple[object, ...]]:
    with engine.connect() as connection:  # type: ignore[attr-defined]
        rows = connection.execute(select(capture_bodies))
        return {row.digest: (row.size, row.encoding, bytes(row.content)) for row in rows}


def body(digest: str, content: bytes, encoding: str = "raw") -> dict[str, object]:
    return {"digest": digest, "size": len(content), "encoding": encoding, "content": content}


def test_insert_rows_adds_the_rows_whose_key_is_new_and_leaves_the_others(database_url: str) -> None:
    engine = tracked(database_url, [], Clock())
    awkward = bytes(range(256)) + b"\x00\\x00'\""  # every byte value, NUL and escapes: bytea as data
    with engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"first"), body("b", awkward, "zlib")], "digest")
        insert_rows(connection, capture_bodies, [], "digest")  # nothing to do
    with engine.begin() as connection:
        # "a" is there: left as it is, even with other columns; "c" is new; a key twice in one call is one row
        insert_rows(
            connection,
            capture_bodies,
            [body("a", b"other"), body("c", b""), body("c", b"")],
            "digest",
        )
    assert _bodies(engine) == {
        "a": (5, "raw", b"first"),
        "b": (len(awkward), "zlib", awkward),
        "c": (0, "raw", b""),
    }


def test_insert_rows_fails_as_an_insert_would(database_url: str) -> None:
    engine = tracked(database_url, [], Clock())
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x")], "digest")
        insert_rows(connection, capture_bodies, [{**body("b", b"y"), "encoding": None}], "digest")
    assert _bodies(engine) == {}, "rolled back with the rest of its transaction"
    with pytest.raises(ValueError, match="other columns"), engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x"), {"digest": "b"}], "digest")
    with pytest.raises(ValueError, match="no column"), engine.begin() as connection:
        insert_rows(connection, capture_bodies, [{**body("a", b"x"), "nonsense": 1}], "digest")


def test_rows_must_carry_what_they_update_or_compare_by(database_url: str) -> None:
    """An absent column would be set to its default on both backends (and a repeated key raised a KeyError
    on PostgreSQL): refused before any statement, whatever the backend."""
    engine = tracked(database_url, [], Clock())
    with engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x")], "digest")
    without_etag = [{k: v for k, v in cache_row(key, '"e"').items() if k != "etag"} for key in ("k1", "k1")]
    for update, newer in ((("etag",), None), (("link",), "etag")):
        refused = pytest.raises(ValueError, match=r"rows without the columns .* \['etag'\]")
        with refused, engine.begin() as connection:
            insert_rows(connection, http_cache, without_etag, "key_hash", update=update, unless_newer=newer)
    with engine.connect() as connection:
        assert connection.execute(select(http_cache)).all() == []


def cache_row(
    key: str, etag: str, stored_at: datetime = NOW, content_type: str = "application/json"
) -> dict[str, object]:
    return {
        "key_hash": key,
        "request_key": f"https://api.example/{key}",
        "etag": etag,
        "digest": "a",
        "content_type": content_type,
        "link": "",
        "status": 200,
        "stored_at": stored_at,
    }


def test_insert_rows_updates_the_columns_it_is_told_to(database_url: str) -> None:
    engine = tracked(database_url, [], Clock())
    later = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    with engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x")], "digest")
        insert_rows(connection, http_cache, [cache_row("k1", '"1"'), cache_row("k2", '"2"')], "key_hash")
        insert_rows(
            connection,
            http_cache,
            [cache_row("k1", '"1b"', later.astimezone()), cache_row("k3", '"3"')],  # a zone: stored as UTC
            "key_hash",
            update=("etag", "stored_at"),
        )
    with engine.connect() as connection:
        rows = connection.execute(select(http_cache.c.key_hash, http_cache.c.etag, http_cache.c.stored_at))
        assert sorted(tuple(row) for row in rows) == [
            ("k1", '"1b"', later),
            ("k2", '"2"', NOW),
            ("k3", '"3"', NOW),
        ]
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:  # bound as an INSERT's
        insert_rows(connection, http_cache, [cache_row("k4", '"4"', datetime(2026, 12, 4))], "key_hash")


def test_update_rows_sets_each_rows_columns_by_its_key(database_url: str) -> None:
    engine = tracked(database_url, ["a/one", "a/two", "a/three"], Clock())
    later = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    with engine.begin() as connection:
        update_rows(
            connection,
            repos,
            [
                {"id": 1, "archived": True, "default_branch": "main", "distribution_last_run": NOW},
                {"id": 3, "archived": False, "default_branch": None, "distribution_last_run": later},
                {
                    "id": 99,
                    "archived": True,
                    "default_branch": "x",
                    "distribution_last_run": NOW,
                },  # no such row
            ],
            "id",
        )
        update_rows(connection, repos, [], "id")  # nothing to do
    with engine.connect() as connection:
        columns = (repos.c.id, repos.c.archived, repos.c.default_branch, repos.c.distribution_last_run)
        assert [tuple(row) for row in connection.execute(select(*columns).order_by(repos.c.id))] == [
            (1, True, "main", NOW),
            (2, False, None, None),
            (3, False, None, later),
        ]
    with pytest.raises(ValueError, match="without their key"), engine.begin() as connection:
        update_rows(connection, repos, [{"archived": True}], "id")
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
        update_rows(connection, repos, [{"id": 1, "distribution_last_run": datetime(2026, 12, 4)}], "id")


def test_a_key_twice_is_inserted_first_and_updated_last_on_both_backends(database_url: str) -> None:
    """PostgreSQL refuses to update one row twice in one statement; SQLite's executemany takes each row in
    turn: both keep a key's first row when inserting, with the updated columns of its last row (and the
    other columns of the first: `content_type` is not one of the updated ones)."""
    engine = tracked(database_url, ["a/one"], Clock())
    later = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    with engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x")], "digest")
        twice = [cache_row("k1", '"first"'), cache_row("k1", '"last"', later, content_type="text/plain")]
        insert_rows(connection, http_cache, twice, "key_hash", update=("etag", "stored_at"))
        insert_rows(
            connection, http_cache, [cache_row("k2", '"first"'), cache_row("k2", '"last"')], "key_hash"
        )
        insert_rows(connection, http_cache, twice, "key_hash", update=("etag", "stored_at"))
        update_rows(
            connection, repos, [{"id": 1, "owner_type": "User"}, {"id": 1, "owner_type": "Org"}], "id"
        )
    with engine.connect() as connection:
        columns = (
            http_cache.c.key_hash,
            http_cache.c.etag,
            http_cache.c.stored_at,
            http_cache.c.content_type,
        )
        rows = connection.execute(select(*columns))
        assert sorted(tuple(row) for row in rows) == [
            ("k1", '"last"', later, "application/json"),
            ("k2", '"first"', NOW, "application/json"),
        ]
        assert connection.execute(select(repos.c.owner_type)).scalar_one() == "Org"


def test_a_value_too_long_for_its_column_is_never_cut(database_url: str) -> None:
    """The arrays are cast to a type; an explicit cast to `VARCHAR(255)` cuts silently where an INSERT's
    value is refused. PostgreSQL refuses it as it refuses an INSERT's; SQLite keeps it whole (it has no
    lengths): never a shortened ETag or branch stored as if it were the answer."""
    engine = tracked(database_url, ["a/one"], Clock())
    long_etag, long_branch = '"' + "e" * 600 + '"', "b" * 300  # columns of 500 and 255
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x")], "digest")
    for write in (
        lambda c: insert_rows(c, http_cache, [cache_row("k1", long_etag)], "key_hash"),
        lambda c: insert_rows(c, http_cache, [cache_row("k1", long_etag)], "key_hash", update=("etag",)),
        lambda c: update_rows(c, repos, [{"id": 1, "default_branch": long_branch}], "id"),
    ):
        if postgres:
            with pytest.raises(DataError, match="too long"), engine.begin() as connection:
                write(connection)
        else:
            with engine.begin() as connection:
                write(connection)
    with engine.connect() as connection:
        etags = connection.execute(select(http_cache.c.etag)).scalars().all()
        branch = connection.execute(select(repos.c.default_branch)).scalar_one()
    assert (etags, branch) == (([], None) if postgres else ([long_etag], long_branch))


class Shouted(TypeDecorator[str]):
    """A decorated, bounded string: its bind processing must survive the arrays' cast."""

    impl = String(5)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else value.upper()


def test_every_bounded_string_type_is_refused_when_too_long_and_kept_whole_when_not(
    database_url: str,
) -> None:
    """A bare `CHAR` in a cast is `CHAR(1)` and a decorated type carries its own length: each is cast
    unbounded, so the column's check decides, as for an INSERT's value."""
    engine = tracked(database_url, [], Clock())
    table = Table(
        "bulk_types",
        MetaData(),
        Column("key", String(10), primary_key=True),
        Column("code", CHAR(3), nullable=False),
        Column("name", Unicode(4), nullable=False),
        Column("label", Shouted(), nullable=False),
        Column("kind", Enum("x", "y", name="bulk_kind"), nullable=False),  # a String, but no VARCHAR
    )
    table.create(engine)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        first = {"key": "a", "code": "abc", "name": "wxyz", "label": "hello", "kind": "x"}
        insert_rows(connection, table, [first], "key")
        update_rows(connection, table, [{"key": "a", "code": "def", "label": "world", "kind": "y"}], "key")
    for too_long in ({"code": "abcd"}, {"name": "vwxyz"}, {"label": "hello!"}):
        row = {"key": "b", "code": "abc", "name": "wxyz", "label": "hello", "kind": "x"} | too_long
        if postgres:
            with pytest.raises(DataError, match="too long"), engine.begin() as connection:
                insert_rows(connection, table, [row], "key", update=("code",))
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.execute(select(table))] == [("a", "def", "wxyz", "WORLD", "y")]
    table.drop(engine)


def test_a_key_twice_with_unless_newer_is_refused(database_url: str) -> None:
    """Which of a key's rows is kept would differ between SQLite's rows in turn and one statement."""
    engine = tracked(database_url, [], Clock())
    later = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)
    with engine.begin() as connection:
        insert_rows(connection, capture_bodies, [body("a", b"x")], "digest")
    twice = [cache_row("k1", '"first"', later), cache_row("k1", '"last"')]
    with pytest.raises(ValueError, match="twice"), engine.begin() as connection:
        insert_rows(connection, http_cache, twice, "key_hash", update=("etag",), unless_newer="stored_at")
