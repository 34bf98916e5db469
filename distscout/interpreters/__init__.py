"""The interpreters, one per evidence source: the pure half of a source plugin (the network half is in
`distscout.sources`). This list is the registry: the names of the evidence sources, which of them are
package registries, and what each can know are all read from it.

Adding a source: its collector in `distscout/sources/`, its interpreter here, a line in each list.
"""

from __future__ import annotations

from distscout.interpreters import (
    depsdev,
    ecosystems,
    github_packages,
    gitlab_packages,
    manifests,
    name_lookup,
    release_assets,
)
from distscout.interpreters.base import Interpretation, Interpreter

# In the order their rows are listed (registry evidence first, the repository's own manifests last).
INTERPRETERS: tuple[Interpreter, ...] = (
    depsdev.INTERPRETER,
    ecosystems.INTERPRETER,
    release_assets.INTERPRETER,
    github_packages.INTERPRETER,
    release_assets.GITLAB_INTERPRETER,
    gitlab_packages.INTERPRETER,
    manifests.INTERPRETER,
    name_lookup.INTERPRETER,
)


def evidence_sources() -> tuple[str, ...]:
    """Every evidence source's name: what a capture, a row and the `sources` setting carry."""
    return tuple(i.source for i in INTERPRETERS)


def registry_sources() -> tuple[str, ...]:
    """The package registries: a row of theirs is a publication; a release asset is not."""
    return tuple(i.source for i in INTERPRETERS if i.registry)


def registry_coverage() -> dict[str, frozenset[str] | None]:
    """Which ecosystems each registry source can know (None: any). An orphan is confirmed only where every
    source that could know its ecosystem has answered for the repository."""
    return {i.source: i.coverage for i in INTERPRETERS if i.registry and i.gates_orphans}


__all__ = [
    "INTERPRETERS",
    "Interpretation",
    "Interpreter",
    "evidence_sources",
    "registry_coverage",
    "registry_sources",
]
