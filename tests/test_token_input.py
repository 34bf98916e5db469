"""Tokens as operators write them (a reviewer's stranger test): each malformed one is a one-line error at
start that never shows the token; the forms other list settings take are read too."""

from __future__ import annotations

from pathlib import Path

import pytest

from distscout.config import ConfigError, load_settings, setup_warnings


@pytest.fixture(autouse=True)
def _no_other_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("GITHUB_TOKEN", "DISTSCOUT_GITHUB_TOKEN", "DISTSCOUT_GITHUB_TOKENS", "GITLAB_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DISTSCOUT_CONFIG", "/dev/null")


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        # a non-ASCII character went into the request header, was refused there by an error quoting the
        # token, and that error was stored as the scan's and shown on the unauthenticated pages
        ("DISTSCOUT_GITHUB_TOKENS", "\ufeffghp_secretsecret1,ghp_secretsecret2", "byte-order mark"),
        ("DISTSCOUT_GITHUB_TOKEN", "ghp_secretsécret1", "non-ASCII character"),
        ("GITHUB_TOKEN", "ghp_secret\x07secret", "control character"),
        ("DISTSCOUT_GITHUB_TOKENS", "ghp_secretsecret1;ghp_secretsecret2", "';'"),
        ("DISTSCOUT_GITLAB_TOKEN", "glpat-secret secret", "a space"),
        ("DISTSCOUT_GITHUB_TOKENS", '["ghp_secretsecret1", 2]', "no JSON list of strings"),
        ("DISTSCOUT_GITHUB_TOKENS", '["ghp_secretsecret1"', "no JSON list of strings"),
    ],
)
def test_a_malformed_token_is_a_one_line_error_that_does_not_show_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=said) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message and "secret" not in message


def test_a_json_list_is_read_as_the_other_list_settings_are(monkeypatch: pytest.MonkeyPatch) -> None:
    """`DISTSCOUT_GITHUB_TOKENS='["a","b"]'` was two tokens `["a"` and `"b"]`, refused by GitHub."""
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS", '["ghp_one", " ghp_two "]')
    assert load_settings().github_token_pool() == ("ghp_one", "ghp_two")
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS", "[]")
    assert load_settings().github_token_pool() == ()


def test_an_empty_tokens_file_setting_means_none_as_an_empty_list_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", "")  # was "cannot read … .: Is a directory"
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS", "")
    assert load_settings().github_token_pool() == ()


def test_a_tokens_file_as_editors_and_operators_write_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens"
    # a byte-order mark (Notepad's UTF-8), CRLF, a comment line, a comment after a token
    path.write_bytes(b"\xef\xbb\xbfghp_one\r\n# the CI key:\r\nghp_two   # prod key\r\n\r\n")
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", str(path))
    assert load_settings().github_token_pool() == ("ghp_one", "ghp_two")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"ghp_secretsecret1,ghp_secretsecret2\n", r"line 1 holds a ',' .*\(one token a line\)"),
        (b"ghp_secretsecret1\nghp_secret secret2\n", r"line 2 holds a space .*\(one token a line\)"),
        ("ghp_secret\u00a0secret\n".encode(), "line 1 holds white space"),
    ],
)
def test_a_tokens_file_line_that_is_no_token_is_named_by_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, said: str
) -> None:
    path = tmp_path / "tokens"
    path.write_bytes(content)
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", str(path))
    with pytest.raises(ConfigError, match=said) as raised:
        load_settings()
    assert "secret" not in str(raised.value).replace(str(tmp_path), "")


def test_a_token_given_twice_counts_once_and_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator who lists one token twice (the variable and the file) does not have a pool of two."""
    path = tmp_path / "tokens"
    path.write_text("ghp_one\nghp_two\n")
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", str(path))
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKEN", "ghp_one")
    settings = load_settings()
    assert settings.github_token_pool() == ("ghp_one", "ghp_two")
    said = [w for w in setup_warnings(settings) if "more than once" in w]
    assert said == [
        "the same GitHub token is given more than once (3 given, 2 different): each counts once in the pool"
    ]
    monkeypatch.delenv("DISTSCOUT_GITHUB_TOKEN")
    assert not [w for w in setup_warnings(load_settings()) if "more than once" in w]
