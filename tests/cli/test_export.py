"""`distscout export`: tables as CSV, JSON Lines and Parquet, streamed."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from distscout.cli import app
from distscout.commands import export as export_module
from distscout.store import exports as exports_module
from distscout.store.engine import open_engine
from distscout.store.schema import repo_distribution, repo_distribution_manifest, repos
from tests.cli.helpers import one_error_line, run, runner, snapshot

TABLE_ROWS = {"distribution": repo_distribution, "manifests": repo_distribution_manifest, "repos": repos}


def _count(url: str, table: Any) -> int:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    finally:
        engine.dispose()


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("table", ["distribution", "manifests", "repos"])
def test_csv_to_stdout(corpus_db: str, table: str) -> None:
    args = ["export", "--format", "csv"] + ([] if table == "distribution" else ["--table", table])
    rows = _csv(run(args).stdout)
    assert len(rows) == _count(corpus_db, TABLE_ROWS[table]) > 0
    assert all(r["repo"].count("/") == 1 for r in rows)


def test_csv_distribution_columns(corpus_db: str) -> None:
    rows = _csv(run(["export", "--format", "csv"]).stdout)
    assert list(rows[0]) == [
        "repo",
        "ecosystem",
        "package_name",
        "normalized_name",
        "source",
        "purl",
        "version_count",
        "first_published_at",
        "latest_published_at",
        "provenance",
        "noise",
        "interpreter_version",
        "data_collection_date",
    ]
    flask = [r for r in rows if r["repo"] == "pallets/flask" and r["source"] == "deps.dev"]
    assert flask and flask[0]["purl"] == "pkg:pypi/flask" and flask[0]["noise"] in ("true", "false")
    assert flask[0]["data_collection_date"].endswith("+00:00")


def test_jsonl_to_a_file(corpus_db: str, tmp_path: Path) -> None:
    target = tmp_path / "manifests.jsonl"
    result = run(["export", "--format", "jsonl", "--table", "manifests", "--output", str(target)])
    assert result.stdout == ""
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == _count(corpus_db, repo_distribution_manifest)
    assert f"wrote {len(rows)} manifests rows to {target}" in result.stderr
    assert isinstance(rows[0]["intent"], bool)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_orphans_export(corpus_db: str) -> None:
    rows = [
        json.loads(line)
        for line in run(["export", "-f", "jsonl", "-t", "orphans", "-o", "-"]).stdout.splitlines()
    ]
    assert sorted((r["repo"], r["manifest_path"]) for r in rows) == [
        ("conda-forge/pip-feedstock", "recipe/meta.yaml"),
        ("conda-forge/requests-feedstock", "recipe/recipe.yaml"),
        ("synthetic/legacy-setup", "setup.py"),
    ]


def test_format_from_the_output_suffix(corpus_db: str, tmp_path: Path) -> None:
    target = tmp_path / "repos.csv"
    run(["export", "--table", "repos", "--output", str(target)])
    assert len(_csv(target.read_text())) == 40


def test_streams_in_chunks(corpus_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = run(["export", "--format", "jsonl"]).stdout
    monkeypatch.setattr(exports_module, "CHUNK", 7)
    chunks: list[int] = []
    original = export_module.export_chunks

    def counted(*args: Any) -> Any:
        for chunk in original(*args):
            chunks.append(len(chunk))
            yield chunk

    monkeypatch.setattr(export_module, "export_chunks", counted)
    assert run(["export", "--format", "jsonl"]).stdout == whole
    assert len(chunks) > 2 and max(chunks) == 7


def test_a_failed_export_leaves_no_file(
    corpus_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("previous export\n")

    original = export_module.export_chunks

    def broken(*args: Any) -> Any:
        yield next(original(*args))
        raise RuntimeError("the database went away")

    monkeypatch.setattr(export_module, "export_chunks", broken)
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(target)])
    assert isinstance(result.exception, RuntimeError)
    assert target.read_text() == "previous export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_parquet(corpus_db: str, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow as pa  # type: ignore[import-not-found, import-untyped, unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-not-found, import-untyped, unused-ignore]

    target = tmp_path / "distribution.parquet"
    run(["export", "--format", "parquet", "--output", str(target)])
    table = pq.read_table(target)
    assert table.num_rows == _count(corpus_db, repo_distribution)
    assert table.schema.field("version_count").type == pa.int64()
    assert table.schema.field("noise").type == pa.bool_()
    assert table.schema.field("data_collection_date").type == pa.timestamp("us", tz="UTC")
    assert "pallets/flask" in table.column("repo").to_pylist()
    repos_file = tmp_path / "repos.parquet"
    run(["export", "--table", "repos", "--output", str(repos_file)])  # format from the suffix
    assert pq.read_table(repos_file).num_rows == 40


def test_parquet_without_pyarrow(corpus_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails, installed or not
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    target = tmp_path / "x.parquet"
    one_error_line(run(["export", "--format", "parquet", "-o", str(target)], code=2), "pip install pyarrow")
    assert not target.exists()


def test_parquet_needs_a_file(db_url: str) -> None:
    for args in (["--format", "parquet"], ["--format", "parquet", "--output", "-"]):
        one_error_line(run(["export", *args], code=2), "parquet", "--output")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "xml"], "unknown format 'xml' (choose csv, jsonl, parquet)"),
        (["--format", "csv", "--table", "packages"], "unknown table 'packages' (choose distribution"),
        ([], "choose a format with --format"),
        (["--output", "out.txt"], "choose a format with --format"),
    ],
)
def test_bad_arguments(corpus_db: str, tmp_path: Path, args: list[str], says: str) -> None:
    before = snapshot(corpus_db)
    one_error_line(run(["export", *args], code=2), says)
    assert snapshot(corpus_db) == before
    assert not (tmp_path / "out.txt").exists()


def test_output_directory_missing(corpus_db: str, tmp_path: Path) -> None:
    one_error_line(
        run(["export", "-f", "csv", "-o", str(tmp_path / "no" / "x.csv")], code=2), "does not exist"
    )
    one_error_line(run(["export", "-f", "csv", "-o", str(tmp_path)], code=2), "is a directory")


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_that_look_like_formulas_are_neutralised(corpus_db: str, formula: str) -> None:
    engine = open_engine(corpus_db)
    with engine.begin() as connection:
        first = connection.execute(select(func.min(repo_distribution.c.id))).scalar_one()
        connection.execute(
            repo_distribution.update().where(repo_distribution.c.id == first).values(package_name=formula)
        )
    engine.dispose()
    names = {row["package_name"] for row in _csv(run(["export", "--format", "csv"]).stdout)}
    assert "'" + formula in names and formula not in names, "shown as text by a spreadsheet, not run"
    raw = {row["package_name"] for row in _csv(run(["export", "--format", "csv", "--raw"]).stdout)}
    assert formula in raw, "--raw writes the cell exactly as stored"
    jsonl = [
        json.loads(line)["package_name"] for line in run(["export", "--format", "jsonl"]).stdout.splitlines()
    ]
    assert formula in jsonl, "JSON Lines is for programs: never altered"


def test_ordinary_cells_are_untouched() -> None:
    rows = [{"name": "requests", "n": -3, "when": None, "hyphen": "a-b", "quote": "'x"}]
    text = "".join(exports_module.csv_text(iter([rows]), list(rows[0])))
    assert text.splitlines()[1] == "requests,-3,,a-b,'x"
