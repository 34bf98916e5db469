"""The evidence sources' collectors: the registry list the scan, the dispatcher's health check and the
settings' checks read. Each has an interpreter of the same name in `distscout.interpreters`."""

from __future__ import annotations

from distscout.sources import depsdev, ecosystems, github_manifests_graphql, github_packages, github_releases
from distscout.sources.base import Source

SOURCES: tuple[Source, ...] = (
    depsdev.SOURCE,
    ecosystems.SOURCE,
    github_releases.SOURCE,
    github_packages.SOURCE,
    github_manifests_graphql.SOURCE,
)


def enabled_sources(names: tuple[str, ...] | list[str]) -> list[Source]:
    """The registered sources named in the `sources` setting, in registry order."""
    wanted = set(names)
    return [source for source in SOURCES if source.name in wanted]


def upstream_of(name: str) -> str | None:
    """The upstream client a source calls (None: no such source)."""
    return next((source.upstream for source in SOURCES if source.name == name), None)
