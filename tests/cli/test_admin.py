"""`distscout migrate` and `distscout config show`."""

from __future__ import annotations

import json

import pytest

from distscout.config import Settings
from distscout.store.migrate import head_revision
from tests.cli.helpers import PASSWORD, UNREACHABLE, one_error_line, run


def test_migrate_fresh_then_again(db_url: str) -> None:
    first = json.loads(run(["migrate", "--json"]).stdout)
    assert first == {"database": db_url, "before": None, "after": head_revision(), "changed": True}
    second = json.loads(run(["migrate", "--json"]).stdout)
    assert second["before"] == second["after"] == head_revision() and second["changed"] is False
    assert f"already at revision {head_revision()}" in run(["migrate"]).stdout


def test_migrate_human(db_url: str) -> None:
    assert f"(empty) → {head_revision()}" in run(["migrate"]).stdout


def test_migrate_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", UNREACHABLE)
    line = one_error_line(run(["migrate"], code=1), "cannot use the database", "127.0.0.1:1")
    assert PASSWORD not in line


def test_config_show_json(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_verysecrettoken123")
    monkeypatch.setenv("DISTSCOUT_WORKERS", "7")
    result = run(["config", "show", "--json"])
    shown = json.loads(result.stdout)
    assert set(shown) == set(Settings.model_fields)
    assert shown["github_token"] == "***" and "ghp_verysecrettoken123" not in result.stdout
    assert shown["workers"] == 7 and shown["database_url"] == db_url
    assert shown["sources"] == list(Settings().sources)


def test_config_show_masks_the_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", UNREACHABLE)
    for args in (["config", "show", "--json"], ["config", "show"]):
        result = run(args)
        assert PASSWORD not in result.stdout and "u:***@127.0.0.1:1/x" in result.stdout


def test_config_show_table(db_url: str) -> None:
    human = run(["config", "show"]).stdout
    for name in Settings.model_fields:
        assert name in human
    assert "not found" in human  # the test suite's config file does not exist


def test_bad_configuration_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_WORKERS", "0")
    one_error_line(run(["config", "show"], code=2), "configuration", "workers")
    one_error_line(run(["stats"], code=2), "configuration", "workers")


def test_a_password_with_an_unencoded_at_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parsed as given, the password's tail became the host, and the error showed it as the host that
    failed to resolve; `config show` showed it too."""
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", "postgresql://distscout:p@ss#w/rd@127.0.0.1:1/fleet")
    line = one_error_line(run(["migrate"], code=1), "percent-encode", "%40")
    assert "ss#w" not in line and "rd@" not in line
    shown = run(["config", "show"]).stdout
    assert "ss#w" not in shown and "postgresql://distscout:***@127.0.0.1:1/fleet" in shown
