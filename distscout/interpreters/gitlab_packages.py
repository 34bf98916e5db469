"""GitLab's package registry: one project's packages, every type in one listing (one entry per version)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from distscout.captures import Capture
from distscout.interpreters.base import (
    NOISE_ECOSYSTEMS,
    Interpretation,
    Interpreter,
    as_dict,
    as_list,
    json_of,
    time_of,
)
from distscout.observations import RegistryObservation

GITLAB_PACKAGES = "gitlab_packages"
# GitLab's package_type -> the ecosystem its clients install from (generic and ml_model name none)
PACKAGE_TYPES = {
    "npm": "npm",
    "maven": "maven",
    "pypi": "pypi",
    "nuget": "nuget",
    "composer": "composer",
    "conan": "conan",
    "golang": "go",
    "helm": "helm",
    "terraform_module": "terraform",
    "debian": "deb",
    "rubygems": "rubygems",
}


# where each type's client installs from, below the project's API (the purl's repository_url)
_ENDPOINTS = {
    "npm": "npm",
    "maven": "maven",
    "pypi": "pypi/simple",
    "nuget": "nuget/index.json",
    "composer": "composer",
    "conan": "conan",
    "go": "go",
    "helm": "helm",
    "terraform": "terraform/modules",
    "deb": "debian",
    "rubygems": "rubygems",
}


def interpret_gitlab_packages(captures: Sequence[Capture]) -> list[RegistryObservation]:
    """One row per package; a capture's subject is the project's API (`gitlab.com/api/v4/projects/7`)."""
    versions: dict[tuple[str, str], list[datetime | None]] = defaultdict(list)
    registry: dict[tuple[str, str], str] = {}
    for capture in captures:
        if capture.kind != "gitlab.packages" or capture.status != 200:
            continue
        for package in map(as_dict, as_list(json_of(capture))):
            ecosystem = PACKAGE_TYPES.get(str(package.get("package_type", "")))
            name = package.get("name")
            if ecosystem is None or not isinstance(name, str) or not name:
                continue
            versions[(ecosystem, name)].append(time_of(package.get("created_at")))
            if capture.subject:
                registry[(ecosystem, name)] = f"{capture.subject}/packages/{_ENDPOINTS[ecosystem]}"
    rows = []
    for (ecosystem, name), dates in sorted(versions.items()):
        known = sorted(d for d in dates if d is not None)
        rows.append(
            RegistryObservation(
                ecosystem=ecosystem,
                package_name=name,
                source=GITLAB_PACKAGES,
                version_count=len(dates),
                first_published_at=known[0] if known else None,
                latest_published_at=known[-1] if known else None,
                noise=ecosystem in NOISE_ECOSYSTEMS,
                registry_url=registry.get((ecosystem, name)),
            )
        )
    return rows


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(registry=tuple(interpret_gitlab_packages(captures)))


INTERPRETER = Interpreter(
    GITLAB_PACKAGES, _interpret, registry=True, coverage=frozenset(PACKAGE_TYPES.values())
)
