"""`distscout export`: a table as CSV, JSON Lines or Parquet, streamed in chunks (never all in memory).

Tables: `distribution` (registry / Packages / release-asset evidence), `manifests`, `orphans`, `repos`.
Times are ISO-8601 in UTC. A file is written next to its target and moved into place when complete, so an
export that fails leaves no half-written file behind.
"""

from __future__ import annotations

import csv
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from sqlalchemy import Boolean, Connection, DateTime, Integer, Select, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from distscout.commands.common import EXIT_USAGE, database, err, fail
from distscout.store.queries import orphans_query
from distscout.store.schema import repo_distribution, repo_distribution_manifest, repos

FORMATS = ("csv", "jsonl", "parquet")
TABLES = ("distribution", "manifests", "orphans", "repos")
CHUNK = 1000
d, m = repo_distribution, repo_distribution_manifest


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv, jsonl or parquet (default: from the --output suffix).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="A file, or '-' for stdout (csv and jsonl only).")
    ] = None,
    table: Annotated[
        str, typer.Option("--table", "-t", help="distribution, manifests, orphans or repos.")
    ] = "distribution",
) -> None:
    """Export a table (default: distribution) as CSV, JSON Lines or Parquet."""
    chosen_format = _format(format_, output)
    chosen_table = table.strip().lower()
    if chosen_table not in TABLES:
        raise fail(f"unknown table {table!r} (choose {', '.join(TABLES)})", EXIT_USAGE)
    to_stdout = output in (None, "-")
    if chosen_format == "parquet" and to_stdout:
        raise fail("parquet is a binary format: give a file with --output PATH", EXIT_USAGE)
    writer = _WRITERS[chosen_format]
    if chosen_format == "parquet":
        _require_pyarrow()
    if not to_stdout:
        _check_target(Path(str(output)))
    query = _QUERIES[chosen_table]()
    with database() as engine, engine.connect() as connection:
        if to_stdout:
            writer(_chunks(connection, query), query, None)
            return
        target = Path(str(output))
        with _replacing(target) as temporary:
            count = writer(_chunks(connection, query), query, temporary)
    err.print(f"wrote {count} {chosen_table} rows to {target}", markup=False, soft_wrap=True)


def _format(format_: str | None, output: str | None) -> str:
    if format_ is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output not in (None, "-") else ""
        if suffix in FORMATS:
            return suffix
        raise fail("choose a format with --format csv|jsonl|parquet", EXIT_USAGE)
    chosen = format_.strip().lower()
    if chosen not in FORMATS:
        raise fail(f"unknown format {format_!r} (choose {', '.join(FORMATS)})", EXIT_USAGE)
    return chosen


def _require_pyarrow() -> None:
    try:
        importlib.import_module("pyarrow.parquet")  # optional: only the parquet format needs it
    except ImportError:
        raise fail("the parquet format needs pyarrow: pip install pyarrow", EXIT_USAGE) from None


def _check_target(target: Path) -> None:
    if target.is_dir():
        raise fail(f"--output {target} is a directory", EXIT_USAGE)
    if not target.parent.is_dir():
        raise fail(f"--output {target}: the directory {target.parent} does not exist", EXIT_USAGE)


@contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary file beside `target`, moved onto it when the block ends without an error."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror or exc}", EXIT_USAGE) from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        with suppress(FileNotFoundError):
            temporary.unlink()


# -- What each table is --------------------------------------------------------------------------------


def _repo_label() -> ColumnElement[str]:
    return (repos.c.owner + literal("/") + repos.c.name).label("repo")


def _evidence_query(table: Any, skip: Sequence[str], order: Sequence[str]) -> Select[Any]:
    columns = [c for c in table.c if c.name not in ("id", "repo_id", *skip)]
    return (
        select(_repo_label(), *columns)
        .join(repos, repos.c.id == table.c.repo_id)
        .order_by(table.c.repo_id, *(table.c[name] for name in order))
    )


def _distribution() -> Select[Any]:
    return _evidence_query(d, (), ("ecosystem", "package_name", "source"))


def _manifests() -> Select[Any]:
    return _evidence_query(m, (), ("manifest_path",))


def _orphans() -> Select[Any]:
    return orphans_query()


def _repos() -> Select[Any]:
    internal = ("id", "repo_key", "distribution_claimed_by", "distribution_claimed_until")
    return select(_repo_label(), *(c for c in repos.c if c.name not in internal)).order_by(repos.c.id)


_QUERIES: dict[str, Callable[[], Select[Any]]] = {
    "distribution": _distribution,
    "manifests": _manifests,
    "orphans": _orphans,
    "repos": _repos,
}


# -- Streaming and writing -----------------------------------------------------------------------------


def _chunks(connection: Connection, query: Select[Any]) -> Iterator[list[dict[str, Any]]]:
    """The rows in chunks of CHUNK, fetched as they are written (a server-side cursor on PostgreSQL)."""
    result = connection.execution_options(yield_per=CHUNK).execute(query)
    for partition in result.mappings().partitions(CHUNK):
        yield [{key: _utc(value) for key, value in row.items()} for row in partition]


def _utc(value: Any) -> Any:
    """SQLite returns stored UTC times without their zone: every time leaves here zone-aware, in UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _names(query: Select[Any]) -> list[str]:
    return [column.name for column in query.selected_columns]


@contextmanager
def _text_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


def _write_csv(chunks: Iterator[list[dict[str, Any]]], query: Select[Any], path: Path | None) -> int:
    names, count = _names(query), 0
    with _text_output(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for chunk in chunks:
            writer.writerows([_csv_cell(row[name]) for name in names] for row in chunk)
            count += len(chunk)
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _write_jsonl(chunks: Iterator[list[dict[str, Any]]], query: Select[Any], path: Path | None) -> int:
    count = 0
    with _text_output(path) as handle:
        for chunk in chunks:
            handle.write("".join(json.dumps(row, default=_json_value) + "\n" for row in chunk))
            count += len(chunk)
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


def _write_parquet(chunks: Iterator[list[dict[str, Any]]], query: Select[Any], path: Path | None) -> int:
    pa = importlib.import_module("pyarrow")  # optional dependency, checked before the export starts
    pq = importlib.import_module("pyarrow.parquet")

    assert path is not None  # noqa: S101 - the command refuses parquet on stdout before it gets here
    fields = [pa.field(column.name, _arrow_type(pa, column.type)) for column in query.selected_columns]
    schema = pa.schema(fields)
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for chunk in chunks:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            count += len(chunk)
    return count


def _arrow_type(pa: Any, kind: TypeEngine[Any]) -> Any:
    """The Arrow type of a column's SQL type (a type decorator is read as the type it decorates)."""
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, DateTime):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


_WRITERS: dict[str, Callable[[Iterator[list[dict[str, Any]]], Select[Any], Path | None], int]] = {
    "csv": _write_csv,
    "jsonl": _write_jsonl,
    "parquet": _write_parquet,
}
