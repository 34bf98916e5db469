"""Every command against a database it cannot reach: one line on stderr, exit 1, no password, no change."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.cli.helpers import PASSWORD, UNREACHABLE, one_error_line, run
from tests.databases import PostgresServer, connect_args

COMMANDS = [
    ["repos", "add", "acme/widget"],
    ["repos", "import", "FILE"],
    ["repos", "list"],
    ["repos", "list", "--json"],
    ["stats"],
    ["stats", "--json"],
    ["stats", "--orphans", "--json"],
    ["stats", "--unclaimed"],
    ["stats", "--repo", "acme/widget"],
    ["export", "--format", "csv"],
    ["export", "--format", "jsonl", "--table", "repos"],
    ["migrate", "--json"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_unreachable_database(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", UNREACHABLE)
    listing = tmp_path / "fleet.txt"
    listing.write_text("acme/widget\n")
    args = [str(listing) if a == "FILE" else a for a in args]
    line = one_error_line(run(args, code=1), "cannot use the database", "127.0.0.1:1", "***")
    assert PASSWORD not in line


def test_unsupported_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", "mysql://u:pw@localhost/x")
    one_error_line(run(["stats"], code=1), "unsupported database")


def test_root_help_lists_the_commands() -> None:
    result = run(["--help"])
    for name in ("repos", "stats", "export", "migrate", "config"):
        assert name in result.stdout
    for group in (["repos", "--help"], ["config", "--help"]):
        assert run(group).stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--workers", "0"], "--workers: Input should be greater than or equal to 1"),
        (["--workers", "-3"], "--workers: Input should be greater than or equal to 1"),
        (["--start-interval", "inf"], "--start-interval: Input should be a finite number"),
        (["--start-interval", "-1"], "--start-interval: Input should be greater than or equal to 0"),
    ],
    ids=" ".join,
)
def test_serve_options_are_checked_like_the_settings(
    args: list[str], said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve`'s options override settings, so they are held to the settings' ranges (they once went past
    them: `--workers 0` ended in asyncio's "Set of Tasks/Futures is empty" after the daemon had started)."""
    database = tmp_path / "s.db"
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{database}")
    one_error_line(run(["serve", "--workers-only", *args], code=2), said)
    assert not database.exists(), "refused before the database is opened"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CADENCE_DAYS", "inf"),
        ("CADENCE_DAYS", "1e12"),
        ("REQUEST_TIMEOUT", "nan"),
        ("START_INTERVAL", "1e300"),
    ],
)
def test_durations_are_finite_and_bounded(variable: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Infinity or 1e12 days would overflow a timedelta in the middle of a scan: refused on the way in."""
    monkeypatch.setenv(f"DISTSCOUT_{variable}", value)
    one_error_line(run(["scan", "--due"], code=2), f"configuration: {variable.lower()}: Input should be")


@pytest.mark.parametrize("encoding", ["SQL_ASCII", "LATIN1"])
def test_a_database_not_in_utf8_is_refused_in_one_line(
    encoding: str, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server initialised without a locale makes its databases SQL_ASCII (a bare `initdb`, a container
    without LANG): the driver then got bytes, and every command failed as an unexpected TypeError."""
    name = f"{postgres_server.prefix}{encoding.lower()}"
    admin = psycopg.connect(**connect_args(postgres_server.url), autocommit=True)
    created = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING {} LC_COLLATE 'C' LC_CTYPE 'C'")
    admin.execute(created.format(sql.Identifier(name), sql.Literal(encoding)))
    url = postgres_server.url.set(database=name).render_as_string(hide_password=False)
    try:
        monkeypatch.setenv("DISTSCOUT_DATABASE_URL", url)
        for args in (["repos", "list"], ["migrate"]):
            line = one_error_line(
                run(args, code=1), "cannot use the database", f"encoding is {encoding}", "UTF8"
            )
            password = postgres_server.url.password
            assert not password or str(password) not in line
        with psycopg.connect(**connect_args(make_url(url))) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()
        assert tables == (0,), "nothing was created in it"
    finally:
        admin.close()
        postgres_server.drop_database(url)
