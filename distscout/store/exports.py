"""The exportable tables and their text formats, shared by `distscout export` and the API's `/api/export`.

Rows are streamed in chunks (a server-side cursor on PostgreSQL), never all held in memory. Times are
ISO-8601 in UTC.
"""

from __future__ import annotations

import csv
import importlib
import importlib.util
import io
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy.sql.elements import ColumnElement

from distscout.store.queries import (
    manifest_state,
    manifests_unknown_query,
    orphans_query,
    unclaimed_query,
    unconfirmed_orphans_query,
)
from distscout.store.schema import repo_distribution, repo_distribution_manifest, repo_label, repos

CHUNK = 1000
d, m = repo_distribution, repo_distribution_manifest

Chunks = Iterator[list[dict[str, Any]]]


def _repo_label() -> ColumnElement[str]:
    return repo_label().label("repo")


def _evidence_query(table: Any, order: Sequence[str]) -> Select[Any]:
    columns = [c for c in table.c if c.name not in ("id", "repo_id")]
    return (
        select(_repo_label(), *columns)
        .join(repos, repos.c.id == table.c.repo_id)
        .order_by(table.c.repo_id, *(table.c[name] for name in order))
    )


def _distribution() -> Select[Any]:
    return _evidence_query(d, ("ecosystem", "package_name", "source"))


def _manifests() -> Select[Any]:
    return _evidence_query(m, ("manifest_path",))


def _repos() -> Select[Any]:
    internal = ("id", "repo_key", "distribution_claimed_by", "distribution_claimed_until")
    columns = (c for c in repos.c if c.name not in internal)
    return select(_repo_label(), *columns, manifest_state().label("manifests")).order_by(repos.c.id)


EXPORT_TABLES: dict[str, Callable[[], Select[Any]]] = {
    "distribution": _distribution,
    "manifests": _manifests,
    "orphans": orphans_query,
    "orphans_unconfirmed": unconfirmed_orphans_query,
    "unclaimed": unclaimed_query,
    "manifests_unknown": manifests_unknown_query,
    "repos": _repos,
}


def export_chunks(connection: Connection, query: Select[Any]) -> Chunks:
    """The rows in chunks of CHUNK, fetched as they are written."""
    result = connection.execution_options(yield_per=CHUNK).execute(query)
    for partition in result.mappings().partitions(CHUNK):
        yield [{key: _utc(value) for key, value in row.items()} for row in partition]


def column_names(query: Select[Any]) -> list[str]:
    return [column.name for column in query.selected_columns]


def csv_text(chunks: Chunks, names: list[str], *, raw: bool = False) -> Iterator[str]:
    """A header line, then one piece of CSV text per chunk.

    Names in these tables come from untrusted repositories and registries: a cell that begins like a
    formula (`=`, `+`, `-`, `@`, tab, carriage return) is written with a leading `'`, so a spreadsheet shows
    it as text instead of evaluating it (OWASP's CSV-injection rule). `raw` writes cells exactly as stored,
    for programs that read the CSV."""
    cell = _csv_cell if raw else _safe_csv_cell
    yield _csv_lines([names])
    for chunk in chunks:
        yield _csv_lines([cell(row[name]) for name in names] for row in chunk)


def jsonl_text(chunks: Chunks) -> Iterator[str]:
    """One piece of JSON Lines text per chunk."""
    for chunk in chunks:
        yield "".join(json.dumps(row, default=_json_value) + "\n" for row in chunk)


def _csv_lines(rows: Any) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def _utc(value: Any) -> Any:
    """SQLite returns stored UTC times without their zone: every time leaves here zone-aware, in UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_csv_cell(value: Any) -> Any:
    cell = _csv_cell(value)
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


def parquet_available() -> bool:
    """Whether pyarrow (optional: only Parquet needs it) is installed here."""
    return importlib.util.find_spec("pyarrow") is not None


def parquet_pieces(chunks: Chunks, piece: int = 1 << 20) -> Iterator[bytes]:
    """Rows as one Parquet file, in pieces of `piece` bytes. The file is written first (Parquet's footer
    is written last), spooled to disk past 16 MiB. Each column's type is read from the first chunk: whole
    numbers, booleans and times keep theirs, anything else is text."""
    pa = importlib.import_module("pyarrow")
    pq = importlib.import_module("pyarrow.parquet")
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
        writer, schema = None, None
        for chunk in chunks:
            if schema is None:
                schema = pa.schema([pa.field(name, _arrow_type_of(pa, chunk, name)) for name in chunk[0]])
                writer = pq.ParquetWriter(spool, schema)
            rows = [{f.name: _arrow_value(pa, f.type, row.get(f.name)) for f in schema} for row in chunk]
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))  # type: ignore[union-attr]
        if writer is not None:
            writer.close()
        spool.seek(0)
        while data := spool.read(piece):
            yield data


def _arrow_type_of(pa: Any, chunk: list[dict[str, Any]], name: str) -> Any:
    values = [row[name] for row in chunk if row.get(name) is not None]
    if values and all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if values and all(isinstance(v, datetime) for v in values):
        return pa.timestamp("us", tz="UTC")
    return pa.string()


def _arrow_value(pa: Any, kind: Any, value: Any) -> Any:
    if value is None or kind != pa.string():
        return _utc(value)
    return value if isinstance(value, str) else json.dumps(value, default=_json_value)
