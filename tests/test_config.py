from __future__ import annotations

from pathlib import Path

import pytest

from distscout.config import ConfigError, load_settings, setup_warnings
from distscout.upstreams import build_upstreams


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("GITHUB_TOKEN", "DISTSCOUT_GITHUB_TOKEN", "DISTSCOUT_DATABASE_URL", "DISTSCOUT_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config.toml").write_text("")  # named by DISTSCOUT_CONFIG: it must exist (issue #19)
    monkeypatch.setenv("DISTSCOUT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_defaults() -> None:
    settings = load_settings()
    assert settings.cadence_days == 180 and settings.workers == 64 and settings.start_interval == 30
    assert settings.cross_check and settings.immediate_partial_reclaim
    assert settings.database_url.startswith("sqlite:///") and settings.github_token is None


def test_workers_default_is_one_for_both_backends_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """No scan holds a database connection on either backend, so the number of scans at once does not
    depend on the database: the server's connections are bounded per process instead (engine.py)."""
    assert load_settings(database_url="postgresql://db/distscout").workers == 64
    assert load_settings(database_url="sqlite:///x.db").workers == 64
    assert load_settings(database_url="postgresql://db/distscout", workers=40).workers == 40
    monkeypatch.setenv("DISTSCOUT_WORKERS", "3")
    assert load_settings(database_url="sqlite:///x.db").workers == 3


def test_environment_and_github_token_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_from_github_env")
    monkeypatch.setenv("DISTSCOUT_DEPSDEV_URL", "http://127.0.0.1:1/depsdev")
    settings = load_settings()
    assert (
        settings.github_token is not None
        and settings.github_token.get_secret_value() == "ghp_from_github_env"
    )
    assert settings.depsdev_url == "http://127.0.0.1:1/depsdev"
    assert settings.shown()["github_token"] == "***"
    assert "ghp_from_github_env" not in repr(settings)


def test_distscout_token_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "generic")
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKEN", "specific")
    token = load_settings().github_token
    assert token is not None and token.get_secret_value() == "specific"


def test_toml_file_and_environment_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'workers = 8\ncadence_days = 30\npolite_email = "ops@example.org"\n'
    )
    monkeypatch.setenv("DISTSCOUT_WORKERS", "2")
    settings = load_settings()
    assert (settings.workers, settings.cadence_days) == (2, 30)
    assert "mailto:ops@example.org" in settings.effective_user_agent()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("workers = 0\n", "workers"),
        ("workers = [\n", "config.toml"),
        ("bogus = 1\n", "bogus"),
        ('sources = ["deps.dev", "pypi"]\n', "sources"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_settings()


async def test_clients_carry_the_polite_pool_and_github_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_POLITE_EMAIL", "ops@example.org")
    monkeypatch.setenv("GITHUB_TOKEN", "t0k")
    upstreams = build_upstreams(load_settings())
    assert dict(upstreams.ecosystems.config.default_params) == {"mailto": "ops@example.org"}
    assert dict(upstreams.github.config.default_headers)["X-GitHub-Api-Version"] == "2022-11-28"
    assert upstreams.github.tokens.secrets() == ("t0k",) and upstreams.depsdev.tokens.secrets() == ()
    await upstreams.aclose()


def test_api_token_is_a_masked_secret_and_the_web_binds_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert (defaults.host, defaults.port, defaults.api_token, defaults.protect_reads) == (
        "127.0.0.1",
        8080,
        None,
        False,
    )
    monkeypatch.setenv("DISTSCOUT_API_TOKEN", "admin-secret-123")
    settings = load_settings()
    assert settings.api_token is not None and settings.api_token.get_secret_value() == "admin-secret-123"
    assert settings.shown()["api_token"] == "***"
    assert "admin-secret-123" not in repr(settings)


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("github_api_url", "notaurl", "expected an http:// or https:// URL with a host, got 'notaurl'"),
        ("depsdev_url", "ftp://deps.example", "expected an http:// or https:// URL"),
        ("ecosystems_url", "https://", "expected an http:// or https:// URL"),
        ("polite_email", "nobody", "expected an email address such as ops@example.org, got 'nobody'"),
    ],
)
def test_upstream_urls_and_the_polite_email_are_checked(setting: str, value: str, said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(**{setting: value})
    assert str(refused.value).startswith(f"{setting}: {said}")


def test_setup_warnings_name_what_costs_budget_or_evidence() -> None:
    bare = setup_warnings(load_settings(github_token=None, polite_email=None))
    assert [w.split(":")[0] for w in bare] == ["no polite_email", "no GitHub token"]
    assert "set polite_email" in bare[0] and "set GITHUB_TOKEN" in bare[1]
    assert setup_warnings(load_settings(github_token="ghp_x", polite_email="ops@example.org")) == []
    registries_only = load_settings(github_token=None, polite_email=None, sources=("deps.dev",))
    assert setup_warnings(registries_only) == []


@pytest.mark.parametrize("name", ["DISTSCOUT_GITLAB_INSTANCES", "DISTSCOUT_SOURCES"])
def test_an_unreadable_list_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "not json")
    expected = rf'^{name}: not readable; a list is written in JSON: \["a", "b"\]$'
    with pytest.raises(ConfigError, match=expected):
        load_settings()


def test_gitlab_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-secret")
    monkeypatch.setenv("DISTSCOUT_GITLAB_INSTANCES", '["https://git.example.com/gitlab"]')
    settings = load_settings()
    assert [f.host for f in settings.forges()][-1] == "git.example.com/gitlab"
    assert settings.shown()["gitlab_token"] == "***"
    monkeypatch.setenv("DISTSCOUT_GITLAB_INSTANCES", '["git.example.com"]')
    with pytest.raises(ConfigError, match="gitlab_instances: expected a GitLab base URL"):
        load_settings()
