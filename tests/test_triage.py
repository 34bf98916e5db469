"""Orphan triage from the name lookup's captures (distscout.triage): pure, so every verdict is checked here
on hand-made answers, the failures included; the emulator-backed scans are in tests/sources."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from distscout.captures import GITHUB_REPO, Capture
from distscout.interpreters.name_lookup import (
    DEPSDEV_PACKAGE,
    DEPSDEV_VERSION,
    ECOSYSTEMS_PACKAGE,
    ECOSYSTEMS_REGISTRY,
    NAME_LOOKUP,
)
from distscout.repos import RepoRef
from distscout.sources.name_lookup import default_version
from distscout.triage import Identity, Verdict, identity_of, judge, repo_key

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
HERE = Identity("github.com/acme/widget", frozenset({"github.com/acme/old-widget"}))


def _capture(kind: str, status: int, body: Any, subject: str = "npm/widget") -> Capture:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Capture(NAME_LOOKUP, kind, "GET /x", status, raw, WHEN, subject)


def _package(name: str = "widget") -> Capture:
    versions = [
        {
            "versionKey": {"system": "NPM", "name": name, "version": "1.0.0"},
            "publishedAt": "2024-01-02T00:00:00Z",
        },
        {"versionKey": {"system": "NPM", "name": name, "version": "1.1.0"}, "isDefault": True},
    ]
    return _capture(
        DEPSDEV_PACKAGE, 200, {"packageKey": {"system": "NPM", "name": name}, "versions": versions}
    )


def _version(related: list[str], links: list[str]) -> Capture:
    body = {
        "versionKey": {"system": "NPM", "name": "widget", "version": "1.1.0"},
        "relatedProjects": [
            {
                "projectKey": {"id": r},
                "relationType": "SOURCE_REPO",
                "relationProvenance": "UNVERIFIED_METADATA",
            }
            for r in related
        ],
        "links": [{"label": "SOURCE_REPO", "url": u} for u in links],
    }
    return _capture(DEPSDEV_VERSION, 200, body)


def test_a_depsdev_404_is_unregistered() -> None:
    found = judge("npm", "widget", [_capture(DEPSDEV_PACKAGE, 404, {"message": "not found"})], HERE)
    assert found.verdict is Verdict.UNREGISTERED and found.evidence is None


def test_a_canonical_link_here_is_linked_and_counts_as_evidence() -> None:
    found = judge("npm", "widget", [_package(), _version(["github.com/acme/widget"], [])], HERE)
    assert found.verdict is Verdict.LINKED
    assert found.evidence is not None and found.evidence.source == NAME_LOOKUP
    assert found.evidence.version_count == 2 and found.evidence.provenance == "UNVERIFIED_METADATA"


def test_a_link_elsewhere_is_taken_and_names_the_other_repository() -> None:
    found = judge("npm", "widget", [_package(), _version(["github.com/someone/widget"], [])], HERE)
    assert found.verdict is Verdict.TAKEN and found.linked_repository == "github.com/someone/widget"
    assert found.evidence is None


@pytest.mark.parametrize(
    "link",
    [
        "git+https://github.com/Acme/Widget.git",
        "git+ssh://git@github.com/acme/widget.git",
        "git@github.com:acme/widget.git",
        "http://www.github.com/acme/widget/",
        "github:acme/widget",
        "https://github.com/acme/old-widget",  # the name before a rename
        "https://gitlab.com/acme/widget",  # a mirror on another forge
    ],
)
def test_this_repository_in_another_spelling_is_unlinked(link: str) -> None:
    found = judge("npm", "widget", [_package(), _version([], [link])], HERE)
    assert found.verdict is Verdict.UNLINKED, found.detail
    assert found.evidence is not None and found.evidence.provenance == "NAME_MATCH"


def test_no_link_at_all_is_unlinked() -> None:
    found = judge("npm", "widget", [_package(), _version([], [])], HERE)
    assert found.verdict is Verdict.UNLINKED and "no repository link" in found.detail


@pytest.mark.parametrize(
    ("answers", "why"),
    [
        ([], "not looked up yet"),
        ([_capture(DEPSDEV_PACKAGE, 503, b"Service Unavailable")], "HTTP 503"),
        ([_capture(DEPSDEV_PACKAGE, 0, b"")], "did not answer"),
        ([_capture(DEPSDEV_PACKAGE, 200, b"<html>oops</html>")], "not its JSON"),
        ([_package()], "did not arrive"),  # the package, but not its version's links
        ([_package(), _capture(DEPSDEV_VERSION, 500, b"")], "HTTP 500"),
        # a 200 that is not the package or version asked about is not read either
        ([_capture(DEPSDEV_PACKAGE, 200, {})], "not with the package"),
        ([_capture(DEPSDEV_PACKAGE, 200, [])], "not its JSON"),
        ([_package("gadget"), _version([], [])], "not with the package"),
        ([_package(), _capture(DEPSDEV_VERSION, 200, {})], "not with the version"),
    ],
)
def test_a_failed_or_garbled_lookup_is_unknown_never_unregistered(answers: list[Capture], why: str) -> None:
    found = judge("npm", "widget", answers, HERE)
    assert found.verdict is Verdict.UNKNOWN and why in found.detail


def test_an_ecosystem_no_registry_answers_for_is_unknown_and_says_so() -> None:
    found = judge("deb", "widget", [], HERE)
    assert found.verdict is Verdict.UNKNOWN and "deb" in found.detail


def _registry(status: int = 200) -> Capture:
    return _capture(ECOSYSTEMS_REGISTRY, status, {"name": "cran.r-project.org"}, "cran/widget")


def _record(link: Any, status: int = 200) -> Capture:
    body = (
        {"name": "widget", "repository_url": link, "versions_count": 3} if status == 200 else {"error": "x"}
    )
    return _capture(ECOSYSTEMS_PACKAGE, status, body, "cran/widget")


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        ([_registry(), _record(None, 404)], Verdict.UNREGISTERED),
        ([_registry(), _record("https://github.com/ACME/widget")], Verdict.LINKED),  # the lookup ignores case
        ([_registry(), _record("https://github.com/acme/widget.git")], Verdict.UNLINKED),
        ([_registry(), _record(None)], Verdict.UNLINKED),
        ([_registry(), _record("https://github.com/other/widget")], Verdict.TAKEN),
        ([_registry(404), _record(None, 404)], Verdict.UNKNOWN),  # the service has no such registry
        ([_registry(), _record(None, 502)], Verdict.UNKNOWN),
        ([_registry(), _capture(ECOSYSTEMS_PACKAGE, 200, {"error": "x"}, "cran/widget")], Verdict.UNKNOWN),
        ([_registry(), _capture(ECOSYSTEMS_PACKAGE, 200, {}, "cran/widget")], Verdict.UNKNOWN),
        ([_capture(ECOSYSTEMS_REGISTRY, 200, [], "cran/widget"), _record(None)], Verdict.UNKNOWN),
    ],
)
def test_ecosystems_per_registry_answers(answers: list[Capture], verdict: Verdict) -> None:
    found = judge("cran", "widget", answers, HERE)
    assert found.verdict is verdict, found.detail


def test_a_link_that_names_no_repository_is_not_a_conflict() -> None:
    found = judge("cran", "widget", [_registry(), _record("https://widget.example.org")], HERE)
    assert found.verdict is Verdict.UNLINKED and "names no repository" in found.detail


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("https://github.com/acme/widget/tree/main/pkg", "github.com/acme/widget"),
        ("https://gitlab.com/group/sub/project/-/tree/main", "gitlab.com/group/sub/project"),
        ("https://bitbucket.org/team/repo.git", "bitbucket.org/team/repo"),
        ("ssh://git@git.example.org:2222/acme/widget.git", "git.example.org/acme/widget"),
        ("ssh://git@github.com:22/acme/widget.git", "github.com/acme/widget"),
        ("not a url", None),
        ("https://example.org", None),
        # hostile text: never an exception, never a key a database column refuses
        ("http://[x", None),
        ("https://[::1/a/b", None),
        ("https://codeberg.org/a/w\udcffx", None),
        ("https://git\x00hub.com/a/b", None),
    ],
)
def test_repo_key_reads_the_spellings_registries_hold(link: str, key: str | None) -> None:
    assert repo_key(link) == key


def test_the_identity_takes_the_forges_current_name_and_keeps_the_fleets() -> None:
    metadata = Capture(GITHUB_REPO, "github.repo", "GET /repos/acme/widget", 200, b"{}", WHEN, "acme/widget")
    found = identity_of(RepoRef("github.com", "acme", "old-widget"), [metadata])
    assert found.key == "github.com/acme/widget" and "github.com/acme/old-widget" in found.former


@pytest.mark.parametrize(
    ("link", "verdict"),
    [
        ("https://git.example.com/gitlab/platform/tools", Verdict.LINKED),
        ("git+https://git.example.com/gitlab/platform/tools.git", Verdict.UNLINKED),
        ("https://git.example.com/gitlab/platform/tools/-/tree/main", Verdict.UNLINKED),
        ("https://git.example.com/gitlab/platform/other", Verdict.TAKEN),
    ],
)
def test_a_self_hosted_gitlab_repository_is_known_by_its_own_links(link: str, verdict: Verdict) -> None:
    here = Identity("git.example.com/gitlab/platform/tools")
    found = judge("cran", "widget", [_registry(), _record(link)], here)
    assert found.verdict is verdict, found.detail


def test_a_mirror_keeps_the_whole_path_and_a_self_hosted_repository_has_one_too() -> None:
    here = Identity("git.example.com/gitlab/platform/tools", host="git.example.com/gitlab")
    mirrored = judge("cran", "widget", [_registry(), _record("https://github.com/platform/tools")], here)
    assert mirrored.verdict is Verdict.UNLINKED and "mirror" in mirrored.detail
    nested = judge("cran", "widget", [_registry(), _record("https://git.other.org/acme/widget/sub")], HERE)
    assert nested.verdict is Verdict.TAKEN, "a nested project elsewhere is not a mirror of acme/widget"


def test_dates_without_a_zone_are_read_as_utc() -> None:
    versions = [
        {
            "versionKey": {"system": "NPM", "name": "widget", "version": "1.0.0"},
            "publishedAt": "2024-01-02T00:00:00",
        },
        {
            "versionKey": {"system": "NPM", "name": "widget", "version": "1.1.0"},
            "publishedAt": "2024-03-02T00:00:00Z",
        },
    ]
    package = _capture(
        DEPSDEV_PACKAGE, 200, {"packageKey": {"system": "NPM", "name": "widget"}, "versions": versions}
    )
    found = judge("npm", "widget", [package, _version(["github.com/acme/widget"], [])], HERE)
    assert found.evidence is not None and found.evidence.first_published_at == datetime(
        2024, 1, 2, tzinfo=UTC
    )
    assert default_version({"versions": versions}) == "1.1.0"
