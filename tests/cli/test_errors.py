"""Every command against a database it cannot reach: one line on stderr, exit 1, no password, no change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import PASSWORD, UNREACHABLE, one_error_line, run

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
