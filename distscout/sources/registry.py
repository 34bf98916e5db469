"""The evidence sources' collectors: the registry list the scan, the dispatcher's health check and the
settings' checks read. Each has an interpreter of the same name in `distscout.interpreters`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from distscout.captures import Capture
from distscout.forges import GITHUB, GITLAB, Forge
from distscout.http import Outcome
from distscout.repos import RepoRef
from distscout.results import RepoMetadata
from distscout.sources import (
    depsdev,
    ecosystems,
    github_manifests_graphql,
    github_packages,
    github_releases,
    github_repo,
    gitlab_manifests,
    gitlab_packages,
    gitlab_releases,
    gitlab_repo,
)
from distscout.sources.base import Source
from distscout.upstreams import Upstreams

# A source may appear once per kind of forge under one name (the manifests: GitHub's walk, GitLab's).
SOURCES: tuple[Source, ...] = (
    depsdev.SOURCE,
    ecosystems.SOURCE,
    github_releases.SOURCE,
    github_packages.SOURCE,
    github_manifests_graphql.SOURCE,
    gitlab_releases.SOURCE,
    gitlab_packages.SOURCE,
    gitlab_manifests.SOURCE,
)

MetadataFetch = Callable[
    [Upstreams, Forge, RepoRef], Awaitable[tuple[RepoMetadata | None, Outcome, str, Capture | None]]
]
# Each kind of forge's word on a repository (archived, default branch, renames), asked before the sources.
_METADATA: dict[str, MetadataFetch] = {GITHUB: github_repo.metadata_of, GITLAB: gitlab_repo.metadata_of}


def metadata_of(kind: str) -> MetadataFetch:
    return _METADATA[kind]


def enabled_sources(names: tuple[str, ...] | list[str]) -> list[Source]:
    """The registered sources named in the `sources` setting, in registry order."""
    wanted = set(names)
    return [source for source in SOURCES if source.name in wanted]


def upstream_of(name: str) -> str | None:
    """The upstream client a source calls (None: no such source; its first forge's, when it has several)."""
    return next((source.upstream for source in SOURCES if source.name == name), None)
