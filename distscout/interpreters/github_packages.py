"""GitHub Packages: the owner's packages of each type, kept where `repository.full_name` is this repo."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from distscout.captures import Capture
from distscout.interpreters.base import Interpretation, Interpreter, as_dict, as_list, json_of, package_row
from distscout.observations import RegistryObservation

GITHUB_PACKAGES = "github_packages"
_PACKAGE_TYPES = {
    "npm": "npm",
    "maven": "maven",
    "rubygems": "rubygems",
    "nuget": "nuget",
    "docker": "docker",
    "container": "oci",
}


def interpret_github_packages(captures: Sequence[Capture], repo_full_name: str) -> list[RegistryObservation]:
    rows: dict[tuple[str, str], RegistryObservation] = {}
    for capture in captures:
        if capture.kind != "github.packages" or capture.status != 200:
            continue
        for package in map(as_dict, as_list(json_of(capture))):
            repository = as_dict(package.get("repository")).get("full_name")
            ecosystem = _PACKAGE_TYPES.get(str(package.get("package_type", "")))
            name = package.get("name")
            if not isinstance(repository, str) or repository.lower() != repo_full_name.lower():
                continue
            if ecosystem is None or not isinstance(name, str):
                continue
            name = _github_package_name(ecosystem, name, package, repository)
            dates = ("created_at", "updated_at")
            row = package_row(
                ecosystem, name, GITHUB_PACKAGES, package, count_field="version_count", date_fields=dates
            )
            rows.setdefault(
                (ecosystem, name), replace(row, registry_url=_registry_url(ecosystem, repository))
            )
    return [rows[key] for key in sorted(rows)]


def _registry_url(ecosystem: str, repository: str) -> str:
    """Where GitHub Packages serves the package (the purl's repository_url), as its docs give the hosts."""
    owner = repository.partition("/")[0].lower()
    return {
        "npm": "npm.pkg.github.com",
        "maven": f"maven.pkg.github.com/{repository.lower()}",
        "rubygems": f"rubygems.pkg.github.com/{owner}",
        "nuget": f"nuget.pkg.github.com/{owner}/index.json",
        "docker": "docker.pkg.github.com",
    }.get(ecosystem, "ghcr.io")


def _github_package_name(ecosystem: str, name: str, package: dict[str, Any], repository: str) -> str:
    """The name a registry client uses. GitHub's npm registry takes scoped packages only, the scope being
    the owner (lower-case): the listing's `widget` of owner `acme` is installed as `@acme/widget`."""
    if ecosystem != "npm" or name.startswith("@"):
        return name
    owner = as_dict(package.get("owner")).get("login")
    scope = owner if isinstance(owner, str) and owner else repository.partition("/")[0]
    return f"@{scope.lower()}/{name}"


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(registry=tuple(interpret_github_packages(captures, repo_full_name)))


INTERPRETER = Interpreter(
    GITHUB_PACKAGES, _interpret, registry=True, coverage=frozenset(_PACKAGE_TYPES.values())
)
