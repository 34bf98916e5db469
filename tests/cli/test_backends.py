"""The read and admin commands on both backends (SQLite and PostgreSQL), over the scanned corpus."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from sqlalchemy import func, select

from distscout.emulator.server import EmulatorServer
from distscout.store import exports as exports_module
from distscout.store.engine import open_engine
from distscout.store.migrate import head_revision
from distscout.store.queries import fleet_stats
from distscout.store.schema import repo_distribution, repo_distribution_manifest
from tests.cli.helpers import one_error_line, run, scan_corpus, snapshot
from tests.cli.test_stats import CORPUS_ORPHANS


def test_commands_on_each_backend(
    database_url: str, corpus_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", database_url)
    migrated = json.loads(run(["migrate", "--json"]).stdout)
    assert (migrated["before"], migrated["after"]) == (None, head_revision())
    asyncio.run(scan_corpus(corpus_emulator, database_url))

    engine = open_engine(database_url)
    try:
        with engine.connect() as connection:
            direct = fleet_stats(connection).as_dict()
            counts = [
                connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (repo_distribution, repo_distribution_manifest)
            ]
    finally:
        engine.dispose()
    assert json.loads(run(["stats", "--json"]).stdout) == direct
    orphans = json.loads(run(["stats", "--orphans", "--json"]).stdout)
    assert [
        (o["repo"], o["manifest_path"], o["manifest_type"], o["package_name_declared"]) for o in orphans
    ] == CORPUS_ORPHANS
    report = json.loads(run(["stats", "--repo", "psf/requests", "--json"]).stdout)
    assert report["distribution"] and report["manifests"]

    monkeypatch.setattr(exports_module, "CHUNK", 9)  # many chunks: the server-side cursor is read in steps
    rows = list(csv.DictReader(io.StringIO(run(["export", "--format", "csv"]).stdout)))
    distribution, manifests = counts
    assert len(rows) == distribution
    lines = run(["export", "--format", "jsonl", "--table", "manifests"]).stdout.splitlines()
    assert len(lines) == manifests
    assert len(run(["export", "-f", "jsonl", "-t", "orphans"]).stdout.splitlines()) == 3

    before = snapshot(database_url)
    one_error_line(run(["stats", "--repo", "nobody/nothing"], code=1), "not tracked")
    one_error_line(run(["repos", "add", "a/b", "https://u:p@github.com/c/d"], code=2), "credentials")
    assert snapshot(database_url) == before
    assert json.loads(run(["repos", "add", "acme/new", "psf/requests", "--json"]).stdout) == {
        "added": ["acme/new"],
        "already_tracked": ["psf/requests"],
    }
    assert len(json.loads(run(["repos", "list", "--json"]).stdout)) == 41
