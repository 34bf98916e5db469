"""Writing rows the way each backend does it fastest, behind one call.

`append_rows`: appending many rows to a table, one COPY on PostgreSQL, an executemany on SQLite.

psycopg's executemany spends Python time on every row (in pipeline mode: a prepare, a dump and a result
each). A first scan appends about twenty plain rows (captures, registry and manifest rows, its run), and on
PostgreSQL that per-row cost was the largest part of what the scanning process spent beyond SQLite
(issue 20). COPY formats its rows in psycopg's C code: under a third of the CPU for the same rows.

Only for plain appends: no conflict clause, no RETURNING. The rows go through each column's bind
processing first, as an INSERT's would (a naive timestamp is refused the same way), and a database error
comes out as the SQLAlchemy exception an INSERT would raise.

`conflict_insert`: an INSERT that can take ON CONFLICT clauses, in the connection's dialect.

`insert_rows`: rows whose key is not in the table yet; the others are left as they are, or updated. On
PostgreSQL one statement over arrays (`INSERT … SELECT FROM unnest(…) ON CONFLICT …`): an executemany there
is a statement the server runs for each row, and the content-addressed bodies of a group of scans and its
HTTP cache entries are a dozen rows a scan (the most statements the fleet's one server ran a scan, issue 20).

`update_rows`: rows of a table set by key, a row each; on PostgreSQL one `UPDATE … FROM unnest(…)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Enum,
    String,
    Table,
    TableValuedAlias,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.types import TypeDecorator, TypeEngine


def conflict_insert(connection: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT INTO table` with `on_conflict_do_nothing` / `on_conflict_do_update` and `excluded`: both
    backends have them, spelt alike, in two dialect classes."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key: str,
    *,
    update: Sequence[str] = (),
    unless_newer: str | None = None,
) -> None:
    """Insert `rows` (each with the same keys); a row whose `key` is in `table` already is left as it is,
    or has its `update` columns set from the row — unless its `unless_newer` column is later than the
    row's. A key given twice: its first row inserted, then its `update` columns set from its last row, on
    both backends (as SQLite's executemany does it)."""
    if not rows:
        return
    names = _names(table, rows)
    compared = [unless_newer] if unless_newer is not None else []
    if missing := [name for name in (*update, *compared) if name not in names]:
        # excluded.<column> would be its default, not the row's (and a repeated key failed on PostgreSQL)
        raise ValueError(f"{table.name}: rows without the columns they update or compare by {missing}")
    if unless_newer is not None and len({row[key] for row in rows}) < len(rows):
        # which of the key's rows is kept would differ: SQLite takes them in turn, one statement cannot
        raise ValueError(f"{table.name}: a key given twice with unless_newer")
    if connection.dialect.name == "postgresql":
        # PostgreSQL refuses to update one row twice in one statement (a CardinalityViolation)
        source = _unnested(table, names, _one_of_each(rows, key, update) if update else rows)
        statement: postgresql.Insert | sqlite.Insert = postgresql.insert(table).from_select(
            names, select(*source.c)
        )
        parameters: Sequence[Mapping[str, Any]] | None = None
    else:
        statement, parameters = sqlite.insert(table), rows
    if update:
        chosen = {name: statement.excluded[name] for name in update}
        kept = None if unless_newer is None else table.c[unless_newer] <= statement.excluded[unless_newer]
        upsert = statement.on_conflict_do_update(index_elements=[key], set_=chosen, where=kept)
        connection.execute(upsert, parameters)
    else:
        connection.execute(statement.on_conflict_do_nothing(index_elements=[key]), parameters)


def update_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], key: str) -> None:
    """Set the columns each of `rows` names (each the same) in the row of `table` whose `key` it holds."""
    if not rows:
        return
    names = _names(table, rows)
    if key not in names:
        raise ValueError(f"{table.name}: rows without their key {key!r}")
    if connection.dialect.name == "postgresql":
        source = _unnested(table, names, _one_of_each(rows, key, names))  # as the executemany: the last wins
        chosen = {name: source.c[name] for name in names if name != key}
        connection.execute(update(table).values(chosen).where(table.c[key] == source.c[key]))
        return
    # SQLite: an executemany; the key's parameter renamed, as a column it is not set
    keyed = [{**{n: v for n, v in row.items() if n != key}, f"b_{key}": row[key]} for row in rows]
    connection.execute(update(table).where(table.c[key] == bindparam(f"b_{key}")), keyed)


def _unnested(table: Table, names: list[str], rows: Sequence[Mapping[str, Any]]) -> TableValuedAlias:
    """The rows as one table-valued parameter list: `unnest(array, array, …) AS new(name, name, …)`."""
    arrays = [
        bindparam(name, [row[name] for row in rows], type_=postgresql.ARRAY(_unbounded(table.c[name].type)))
        for name in names
    ]
    return func.unnest(*arrays).table_valued(*names).render_derived(name="new")


def _unbounded(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The column's type without its length: the arrays are cast to their type (`::VARCHAR(255)[]`), and
    an explicit cast cuts a longer string silently, where the column's own check refuses it, as an
    INSERT's value is refused. Any string type with a length becomes a plain `VARCHAR` (a bare `CHAR` in a
    cast is `CHAR(1)`); a decorated one keeps its bind processing over an unbounded string. An `Enum` (a
    `String` to SQLAlchemy) keeps its type: PostgreSQL assigns no `VARCHAR` to an enum column."""
    if isinstance(column_type, TypeDecorator):
        if not _bounded_string(column_type.impl_instance):
            return column_type
        decorated = column_type.copy()
        decorated.impl = String()
        decorated.__dict__.pop("impl_instance", None)  # memoised from the bounded one
        return decorated
    return String() if _bounded_string(column_type) else column_type


def _bounded_string(column_type: TypeEngine[Any]) -> bool:
    return (
        isinstance(column_type, String)
        and not isinstance(column_type, Enum)
        and column_type.length is not None
    )


def _one_of_each(
    rows: Sequence[Mapping[str, Any]], key: str, updated: Sequence[str]
) -> list[Mapping[str, Any]]:
    """A row a key, as an executemany leaves it: the key's first row, with its `updated` columns taken
    from its last row (the first row inserts; each later one updates those columns)."""
    first: dict[Any, Mapping[str, Any]] = {}
    last: dict[Any, Mapping[str, Any]] = {}
    for row in rows:
        first.setdefault(row[key], row)
        last[row[key]] = row
    return [
        row if last[k] is row else {**row, **{name: last[k][name] for name in updated}}
        for k, row in first.items()
    ]


def _names(table: Table, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names = list(rows[0])
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError(f"{table.name}: rows with other columns than the first {names}")
    if unknown := set(names) - set(table.c.keys()):
        raise ValueError(f"{table.name} has no column {sorted(unknown)}")
    return names


def append_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys) into `table`, in the caller's transaction."""
    if not rows:
        return
    names = _names(table, rows)
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    processors = [
        table.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
        for name in names
    ]
    try:
        values = [
            tuple(
                row[name] if process is None else process(row[name])
                for name, process in zip(names, processors, strict=True)
            )
            for row in rows
        ]
    except Exception as exc:  # as an INSERT reports a value its column's type refuses
        raise StatementError(str(exc), f"COPY {table.name}", None, exc) from exc
    _copy(connection, table.name, names, values)


def _copy(connection: Connection, table: str, names: list[str], values: list[tuple[Any, ...]]) -> None:
    from psycopg import Error, sql  # noqa: PLC0415 - lazy: a SQLite command never loads the driver

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    if not connection.in_transaction():
        connection.begin()  # as execute() begins one: the caller's commit() then commits the COPY
    # The connection of the caller's transaction: the COPY commits or rolls back with the rest of it.
    raw: Any = connection.connection.dbapi_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except Error as exc:
        failed: Any = exc  # a DBAPI error, as the dialect's typing names it
        lost = connection.dialect.is_disconnect(failed, raw, None)
        if lost:  # as SQLAlchemy does for its own statements: the pool never hands it out again
            connection.invalidate(exc)
        raise DBAPIError.instance(
            f"COPY {table}",
            None,
            exc,
            Error,
            connection_invalidated=lost,
            dialect=connection.dialect,
            ismulti=True,
        ) from exc
