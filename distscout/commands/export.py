"""`distscout export`: a table as CSV, JSON Lines or Parquet, streamed in chunks (never all in memory).

Tables: `distribution` (registry / Packages / release-asset evidence), `manifests`, `orphans`, `repos`.
Times are ISO-8601 in UTC. A file is written next to its target and moved into place when complete, so an
export that fails leaves no half-written file behind.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from distscout.commands.common import EXIT_USAGE, database, err, fail

if TYPE_CHECKING:
    from sqlalchemy import Connection, Select
    from sqlalchemy.types import TypeEngine

    from distscout.store.exports import Chunks

FORMATS = ("csv", "jsonl", "parquet")
# distscout.store.exports.EXPORT_TABLES' names, spelled out so that parsing the command line needs no store
TABLES = (
    "distribution",
    "manifests",
    "orphans",
    "orphans_unconfirmed",
    "unclaimed",
    "manifests_unknown",
    "repos",
)


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
        str, typer.Option("--table", "-t", help=f"{', '.join(TABLES[:-1])} or {TABLES[-1]}.")
    ] = "distribution",
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="CSV: write cells exactly as stored. By default a cell that begins like a spreadsheet "
            "formula (= + - @ tab CR) gets a leading ' so it is shown, not run.",
        ),
    ] = False,
) -> None:
    """Export a table (default: distribution) as CSV, JSON Lines or Parquet."""
    chosen_format = _format(format_, output)
    chosen_table = table.strip().lower()
    if chosen_table not in TABLES:
        raise fail(f"unknown table {table!r} (choose {', '.join(TABLES)})", EXIT_USAGE)
    to_stdout = output in (None, "-")
    if chosen_format == "parquet" and to_stdout:
        raise fail("parquet is a binary format: give a file with --output PATH", EXIT_USAGE)
    writer = partial(_write_csv, raw=raw) if chosen_format == "csv" else _WRITERS[chosen_format]
    if chosen_format == "parquet":
        _require_pyarrow()
    if not to_stdout:
        _check_target(Path(str(output)))
    from distscout.store.exports import EXPORT_TABLES  # noqa: PLC0415 - lazy: start-up

    query = EXPORT_TABLES[chosen_table]()
    with database() as engine, engine.connect() as connection:
        if to_stdout:
            writer(export_chunks(connection, query), query, None)
            return
        target = Path(str(output))
        with _replacing(target) as temporary:
            count = writer(export_chunks(connection, query), query, temporary)
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


def export_chunks(connection: Connection, query: Select[Any]) -> Chunks:
    """The query's rows, a chunk at a time (distscout.store.exports, imported when an export runs)."""
    from distscout.store.exports import export_chunks as chunks  # noqa: PLC0415 - lazy: start-up

    return chunks(connection, query)


# -- Writing ------------------------------------------------------------------------------------------


@contextmanager
def _text_output(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        yield handle


def _write_text(pieces: Iterator[str], path: Path | None) -> None:
    with _text_output(path) as handle:
        for piece in pieces:
            handle.write(piece)


def _counted(chunks: Chunks, counter: list[int]) -> Chunks:
    for chunk in chunks:
        counter[0] += len(chunk)
        yield chunk


def _write_csv(chunks: Chunks, query: Select[Any], path: Path | None, *, raw: bool = False) -> int:
    from distscout.store.exports import column_names, csv_text  # noqa: PLC0415 - lazy: start-up

    count = [0]
    _write_text(csv_text(_counted(chunks, count), column_names(query), raw=raw), path)
    return count[0]


def _write_jsonl(chunks: Chunks, query: Select[Any], path: Path | None) -> int:
    from distscout.store.exports import jsonl_text  # noqa: PLC0415 - lazy: start-up

    count = [0]
    _write_text(jsonl_text(_counted(chunks, count)), path)
    return count[0]


def _write_parquet(chunks: Chunks, query: Select[Any], path: Path | None) -> int:
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
    from sqlalchemy import Boolean, DateTime, Integer  # noqa: PLC0415 - lazy: start-up
    from sqlalchemy.types import TypeDecorator  # noqa: PLC0415 - lazy: start-up

    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, DateTime):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


_WRITERS: dict[str, Callable[[Chunks, Select[Any], Path | None], int]] = {
    "csv": _write_csv,
    "jsonl": _write_jsonl,
    "parquet": _write_parquet,
}
