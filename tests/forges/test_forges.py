"""A forge owns its URLs: how a path names a repository, its key, deps.dev's id, the display name."""

from __future__ import annotations

import pytest

from distscout.config import Settings
from distscout.forges import DEFAULT_FORGES, GITLAB, forge_of, self_hosted_gitlab
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref

SELF_HOSTED = (*DEFAULT_FORGES, self_hosted_gitlab("https://git.example.com/gitlab/"))


@pytest.mark.parametrize(
    ("text", "host", "owner", "name"),
    [
        ("https://gitlab.com/acme/widget", "gitlab.com", "acme", "widget"),
        ("https://gitlab.com/acme/tools/sub/widget", "gitlab.com", "acme/tools/sub", "widget"),
        ("https://gitlab.com/acme/tools/widget/-/tree/main/src", "gitlab.com", "acme/tools", "widget"),
        ("https://gitlab.com/acme/tools/widget/-/releases", "gitlab.com", "acme/tools", "widget"),
        ("git+https://gitlab.com/Acme/Widget.git", "gitlab.com", "Acme", "Widget"),
        ("gitlab.com/acme/widget/", "gitlab.com", "acme", "widget"),
        ("https://www.gitlab.com/acme/widget", "gitlab.com", "acme", "widget"),
        ("https://github.com/acme/widget/tree/main/x", "github.com", "acme", "widget"),
        ("acme/widget", "github.com", "acme", "widget"),
    ],
)
def test_public_forges_parse(text: str, host: str, owner: str, name: str) -> None:
    assert parse_repo_ref(text) == RepoRef(host, owner, name)


def test_a_self_hosted_gitlab_is_known_by_its_base_url_path_prefix_included() -> None:
    ref = parse_repo_ref("https://git.example.com/gitlab/team/sub/app/-/tree/main", SELF_HOSTED)
    assert ref == RepoRef("git.example.com/gitlab", "team/sub", "app")
    assert ref.key == "git.example.com/gitlab/team/sub/app"
    assert ref.display == "git.example.com/gitlab/team/sub/app"
    assert parse_repo_ref(ref.display, SELF_HOSTED) == ref  # the display name parses back
    forge = forge_of(SELF_HOSTED, ref.host)
    assert forge is not None and forge.kind == GITLAB
    assert forge.api_url == "https://git.example.com/gitlab/api/v4"
    assert forge.depsdev_project_id(ref) is None  # deps.dev indexes github.com, gitlab.com, bitbucket.org


def test_a_host_not_configured_is_refused_with_the_known_ones_named() -> None:
    with pytest.raises(RepoRefError, match=r"git\.example\.com.*not a known forge.*github\.com, gitlab\.com"):
        parse_repo_ref("https://git.example.com/gitlab/team/app")
    with pytest.raises(RepoRefError, match="not a known forge"):
        parse_repo_ref("https://bitbucket.org/a/b")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://gitlab.com/acme", "expected group/project"),
        ("https://gitlab.com/acme/-/tree/main", "expected group/project"),
        ("https://gitlab.com/" + "/".join(["g"] * 22) + "/p", "nested groups"),
        ("https://gitlab.com/acme/../x", "not a valid"),
        ("https://gitlab.com/" + "g" * 60 + "/" + "h" * 60 + "/p", "namespace longer than 100"),
        ("https://user:pw@gitlab.com/acme/widget", "credentials"),
    ],
)
def test_bad_gitlab_references_say_why(text: str, message: str) -> None:
    with pytest.raises(RepoRefError, match=message):
        parse_repo_ref(text)


def test_keys_and_display_names_keep_forges_apart() -> None:
    on_github, on_gitlab = parse_repo_ref("acme/widget"), parse_repo_ref("https://gitlab.com/ACME/Widget")
    assert on_github.key != on_gitlab.key
    assert (on_github.display, on_gitlab.display) == ("acme/widget", "gitlab.com/ACME/Widget")
    forge = forge_of(DEFAULT_FORGES, "gitlab.com")
    assert forge is not None and forge.depsdev_project_id(on_gitlab) == "gitlab.com/acme/widget"
    assert forge.repository_url(on_gitlab) == "https://gitlab.com/ACME/Widget"


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("git.example.com", "expected a GitLab base URL"),
        ("https://gitlab.com", "public forge"),
        ("https://git.example.com/" + "p" * 100, "at most 100 characters"),
    ],
)
def test_bad_instance_settings_are_refused(base: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(gitlab_instances=(base,), database_url="sqlite://")


def test_settings_name_every_forge() -> None:
    settings = Settings(gitlab_instances=("http://127.0.0.1:9/gl",), database_url="sqlite://")
    assert [f.host for f in settings.forges()] == ["github.com", "gitlab.com", "127.0.0.1:9/gl"]
    assert settings.forges()[2].api_url == "http://127.0.0.1:9/gl/api/v4"
