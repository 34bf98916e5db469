from __future__ import annotations

import pytest

from distscout.emulator.repo_links import depsdev_project_id, https_form, split_link


@pytest.mark.parametrize(
    ("link", "project"),
    [
        ("https://github.com/acme/widget", "github.com/acme/widget"),
        ("git+https://github.com/Acme/Widget.git", "github.com/acme/widget"),
        ("http://github.com/acme/widget/", "github.com/acme/widget"),
        ("HTTPS://GitHub.com/ACME/Widget", "github.com/acme/widget"),
        ("https://www.github.com/acme/widget", "github.com/acme/widget"),
        ("git@github.com:acme/widget.git", "github.com/acme/widget"),
        ("git+ssh://git@github.com/DABH/colors.js.git", "github.com/dabh/colors.js"),
        ("ssh://git@github.com:22/acme/widget", "github.com/acme/widget"),
        ("https://github.com/acme/widget#readme", "github.com/acme/widget"),
        ("https://bitbucket.org/Acme/Widget", "bitbucket.org/acme/widget"),
        ("https://gitlab.com/Acme/Tools/Gizmo.git", "gitlab.com/acme/tools/gizmo"),  # subgroups kept
        ("https://github.com/acme", None),  # GitHub ids have exactly owner/name
        ("https://github.com/acme/widget/tree/main", None),
        ("https://gitlab.com/acme", None),
        ("https://codeberg.org/acme/widget", None),  # deps.dev has projects on three hosts only
        ("not a url", None),
        (None, None),
    ],
)
def test_depsdev_project_id(link: str | None, project: str | None) -> None:
    assert depsdev_project_id(link) == project


def test_https_form_keeps_the_case() -> None:
    assert https_form("git+https://github.com/Acme/Widget.git") == "https://github.com/Acme/Widget"
    assert https_form("git@gitlab.com:Acme/Tools/Gizmo.git") == "https://gitlab.com/Acme/Tools/Gizmo"
    assert https_form("https://github.com") is None


@pytest.mark.parametrize(
    "text",
    ["not a url", "acme/widget", "github.com/acme/widget", "github:acme/widget", "ftp://github.com/a/b",
     "https://github.com:port/a/b", "https://local/a/b", " https://github.com/a/b", "https://github.com/a\tb"],
)  # fmt: skip
def test_what_is_no_url(text: str) -> None:
    assert split_link(text) is None


def test_credentials() -> None:
    assert all(
        link is not None and link.has_credentials
        for link in map(split_link, ["https://x:y@github.com/a/b", "https://tok@github.com/a/b"])
    )
    ssh = split_link("git@github.com:a/b.git")
    assert ssh is not None and not ssh.has_credentials and ssh.user == "git"
