"""Running the CLI in-process, and looking at the database behind it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from distscout.cli import app
from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_next
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos
from distscout.store.schema import metadata, repos
from distscout.worker.runner import run_claim, utc_now
from tests.corpus import repos as corpus_repos
from tests.sources.helpers import settings_for, upstreams_for

runner = CliRunner()
PASSWORD = "s3cretpw"
UNREACHABLE = f"postgresql://u:{PASSWORD}@127.0.0.1:1/x"


def run(args: Sequence[str], code: int = 0, stdin: str | None = None) -> Result:
    """Invoke `distscout ARGS`; the exit code must be `code`, and nothing may end in a traceback."""
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def one_error_line(result: Result, *fragments: str) -> str:
    """The single `error: …` line on stderr, which must contain every fragment; stdout stays empty."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""
    return lines[0]


def track(url: str, *texts: str) -> None:
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            add_repos(connection, [parse_repo_ref(t) for t in texts], utc_now())
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, Any]:
    """Every table's row count and the repos table's full contents: to show a command changed nothing."""
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            counts: dict[str, Any] = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in metadata.sorted_tables
            }
            counts["repos rows"] = [tuple(r) for r in connection.execute(select(repos).order_by(repos.c.id))]
            return counts
    finally:
        engine.dispose()


async def scan_corpus(server: EmulatorServer, url: str) -> None:
    """Track the corpus and scan every repo through the worker's path: claim, scan, rotation."""
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            add_repos(connection, [parse_repo_ref(r.url) for r in corpus_repos()], utc_now())
        settings = settings_for(server, database_url=url)
        async with upstreams_for(server) as upstreams:
            while (claim := claim_next(engine, utc_now(), timedelta(days=180))) is not None:
                await run_claim(engine, upstreams, settings, claim)
    finally:
        engine.dispose()
