"""Captures → observations. Pure and versioned: the same captures always give the same rows, so a parser
or interpreter upgrade is a local reprocess from stored captures, never a refetch.

Bump INTERPRETER_VERSION whenever this module's output can change for the same captures.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from distscout.captures import DEPSDEV, ECOSYSTEMS, GITHUB_PACKAGES, MANIFESTS, RELEASE_ASSETS, Capture
from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import (
    MAX_MANIFEST_BYTES,
    all_parsers,
    decode_text,
    read_manifest,
    too_large_manifest,
)
from distscout.observations import RegistryObservation

# 2: deps.dev enums left out read as their zero (unknown) value
# 3: GitHub Packages npm names carry their owner's scope (@owner/name), as npm.pkg.github.com serves them
# 4: declared names checked by their ecosystem's rules (manifests/names.py): a refused one is invalid_name;
#    a manifest that is not UTF-8 (nor UTF-16 with a BOM, nor in its declared XML encoding) is malformed
# 5: name rules from each registry's own rule (Go's CheckPath, CEP 26, .NET's \w …); control, format and
#    replacement characters refused everywhere
INTERPRETER_VERSION = 5

NOISE_ECOSYSTEMS = frozenset({"go", "actions", "docker"})
_DEPSDEV_SYSTEMS = {
    "NPM": "npm",
    "PYPI": "pypi",
    "CARGO": "cargo",
    "MAVEN": "maven",
    "RUBYGEMS": "rubygems",
    "NUGET": "nuget",
    "GO": "go",
}
# Strongest first: attestations are verified links, metadata is a claim (forks and mirrors make it too).
_PROVENANCE_RANK = [
    "SLSA_ATTESTATION",
    "PYPI_PUBLISH_ATTESTATION",
    "RUBYGEMS_PUBLISH_ATTESTATION",
    "GO_ORIGIN",
    "UNVERIFIED_METADATA",
    "UNKNOWN_PROJECT_RELATION_PROVENANCE",
]
_UNKNOWN_RELATION = "UNKNOWN_PROJECT_RELATION_TYPE"  # the zero values proto3 JSON leaves out
_UNKNOWN_PROVENANCE = "UNKNOWN_PROJECT_RELATION_PROVENANCE"
_ECOSYSTEMS_NAMES = {"packagist": "composer", "swift": "swiftpm", "hackage": "hackage", "crates": "cargo"}
ASSET_ECOSYSTEMS = {
    ".whl": "pypi",
    ".gem": "rubygems",
    ".jar": "maven",
    ".war": "maven",
    ".ear": "maven",
    ".nupkg": "nuget",
    ".crate": "cargo",
    ".deb": "deb",
    ".rpm": "rpm",
    ".apk": "apk",
}


@dataclass(frozen=True)
class Interpretation:
    registry: tuple[RegistryObservation, ...]
    manifests: tuple[Declaration, ...]


def interpreter_version() -> str:
    """The version of everything that turns captures into rows: this module plus every parser."""
    parsers = ",".join(p.parser_version for p in all_parsers())
    return f"interpret/{INTERPRETER_VERSION};{parsers}"


def interpret(captures: Iterable[Capture], repo_full_name: str) -> Interpretation:
    by_source: dict[str, list[Capture]] = defaultdict(list)
    for capture in captures:
        by_source[capture.source].append(capture)
    registry = [
        *interpret_depsdev(by_source[DEPSDEV]),
        *interpret_ecosystems(by_source[ECOSYSTEMS]),
        *interpret_release_assets(by_source[RELEASE_ASSETS]),
        *interpret_github_packages(by_source[GITHUB_PACKAGES], repo_full_name),
    ]
    return Interpretation(tuple(registry), tuple(interpret_manifests(by_source[MANIFESTS])))


def _json(capture: Capture) -> Any:
    try:
        return json.loads(capture.body)
    except (ValueError, RecursionError):
        return None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# --- deps.dev ---------------------------------------------------------------------------------------


def interpret_depsdev(captures: list[Capture]) -> list[RegistryObservation]:
    mapped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for capture in captures:
        if capture.kind != "depsdev.packageversions" or capture.status != 200:
            continue
        for version in _list(_dict(_json(capture)).get("versions")):
            key = _dict(_dict(version).get("versionKey"))
            ecosystem = _DEPSDEV_SYSTEMS.get(str(key.get("system", "")).upper())
            if ecosystem is None or not isinstance(key.get("name"), str):
                continue
            # proto3 JSON leaves an enum at its zero value out: no relationType means
            # UNKNOWN_PROJECT_RELATION_TYPE, not SOURCE_REPO. Only a source-repository relation is publication
            # evidence (not ISSUE_TRACKER, not an unknown relation).
            if version.get("relationType", _UNKNOWN_RELATION) != "SOURCE_REPO":
                continue
            provenance = version.get("relationProvenance", _UNKNOWN_PROVENANCE)
            mapped[(ecosystem, key["name"])].append(str(provenance))
    details = {c.subject: _json(c) for c in captures if c.kind == "depsdev.package" and c.status == 200}
    return [
        _depsdev_row(ecosystem, name, provenances, details.get(f"{ecosystem}:{name}"))
        for (ecosystem, name), provenances in sorted(mapped.items())
    ]


def _depsdev_row(ecosystem: str, name: str, provenances: list[str], detail: Any) -> RegistryObservation:
    ranked = [p for p in _PROVENANCE_RANK if p in provenances]
    dates = sorted(
        d for v in _list(_dict(detail).get("versions")) if (d := _time(_dict(v).get("publishedAt")))
    )
    count = len(_list(_dict(detail).get("versions"))) if detail is not None else len(provenances)
    return RegistryObservation(
        ecosystem=ecosystem,
        package_name=name,
        source=DEPSDEV,
        version_count=count,
        first_published_at=dates[0] if dates else None,
        latest_published_at=dates[-1] if dates else None,
        provenance=ranked[0] if ranked else None,
        noise=ecosystem in NOISE_ECOSYSTEMS,
    )


# --- ecosyste.ms -------------------------------------------------------------------------------------


def interpret_ecosystems(captures: list[Capture]) -> list[RegistryObservation]:
    rows: dict[tuple[str, str], RegistryObservation] = {}
    for capture in captures:
        if capture.kind != "ecosystems.lookup" or capture.status != 200:
            continue
        for package in map(_dict, _list(_json(capture))):
            raw = str(
                package.get("ecosystem") or _dict(package.get("registry")).get("ecosystem") or ""
            ).lower()
            name = package.get("name")
            if not raw or not isinstance(name, str) or not name:
                continue
            ecosystem = _ECOSYSTEMS_NAMES.get(raw, raw)
            dates = ("first_release_published_at", "latest_release_published_at")
            rows.setdefault(
                (ecosystem, name),
                _package_row(
                    ecosystem, name, ECOSYSTEMS, package, count_field="versions_count", date_fields=dates
                ),
            )
    return [rows[key] for key in sorted(rows)]


def _package_row(
    ecosystem: str,
    name: str,
    source: str,
    package: dict[str, Any],
    *,
    count_field: str,
    date_fields: tuple[str, str],
) -> RegistryObservation:
    """A row from a registry-style package object: a version count and first / latest dates."""
    count = package.get(count_field)
    return RegistryObservation(
        ecosystem=ecosystem,
        package_name=name,
        source=source,
        version_count=count if isinstance(count, int) else None,
        first_published_at=_time(package.get(date_fields[0])),
        latest_published_at=_time(package.get(date_fields[1])),
        noise=ecosystem in NOISE_ECOSYSTEMS,
    )


# --- GitHub release assets ---------------------------------------------------------------------------

_VERSIONED = re.compile(r"^(?P<name>.+?)[-_.]v?\d")


def asset_package_name(filename: str, ecosystem: str) -> str:
    """The package a release asset stands for, as far as its file name tells."""
    stem = filename.rsplit(".", 1)[0]
    if ecosystem == "pypi":
        return stem.split("-", 1)[0]  # PEP 427: {distribution}-{version}-…
    if ecosystem == "deb":
        return stem.split("_", 1)[0]  # {name}_{version}_{arch}.deb
    match = _VERSIONED.match(stem)
    return match.group("name") if match else stem


_RELEASE_KINDS = frozenset({"github.releases", "github.graphql.releases"})


def _releases(capture: Capture) -> list[dict[str, Any]]:
    """Releases in REST's spelling, from a REST list or a GraphQL `releases { nodes }` answer."""
    if capture.kind == "github.releases":
        return list(map(_dict, _list(_json(capture))))
    nodes = _list(_dict(_dict(_json(capture)).get("releases")).get("nodes"))
    return [
        {
            "draft": node.get("isDraft"),
            "published_at": node.get("publishedAt"),
            "assets": _list(_dict(node.get("releaseAssets")).get("nodes")),
        }
        for node in map(_dict, nodes)
    ]


def interpret_release_assets(captures: list[Capture]) -> list[RegistryObservation]:
    seen: dict[str, list[tuple[datetime | None, str]]] = defaultdict(list)
    for capture in captures:
        if capture.kind not in _RELEASE_KINDS or capture.status != 200:
            continue
        for release in _releases(capture):
            if release.get("draft"):
                continue
            published = _time(release.get("published_at"))
            per_release: dict[str, str] = {}
            for asset in map(_dict, _list(release.get("assets"))):
                name = str(asset.get("name", ""))
                suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
                if (ecosystem := ASSET_ECOSYSTEMS.get(suffix)) is not None:
                    per_release.setdefault(ecosystem, asset_package_name(name, ecosystem))
            for ecosystem, package in per_release.items():
                seen[ecosystem].append((published, package))
    rows = []
    for ecosystem, releases in sorted(seen.items()):
        dates = sorted(d for d, _ in releases if d is not None)
        newest = max(releases, key=lambda r: (r[0] is not None, r[0] or datetime.min.replace(tzinfo=None)))
        rows.append(
            RegistryObservation(
                ecosystem=ecosystem,
                package_name=newest[1],
                source=RELEASE_ASSETS,
                version_count=len(releases),
                first_published_at=dates[0] if dates else None,
                latest_published_at=dates[-1] if dates else None,
            )
        )
    return rows


# --- GitHub Packages ---------------------------------------------------------------------------------

_PACKAGE_TYPES = {
    "npm": "npm",
    "maven": "maven",
    "rubygems": "rubygems",
    "nuget": "nuget",
    "docker": "docker",
    "container": "oci",
}


# Which ecosystems each registry source can know (None: any). An orphan is confirmed only where every
# source that could know its ecosystem has answered for the repository.
REGISTRY_COVERAGE: dict[str, frozenset[str] | None] = {
    DEPSDEV: frozenset(_DEPSDEV_SYSTEMS.values()),
    ECOSYSTEMS: None,
    GITHUB_PACKAGES: frozenset(_PACKAGE_TYPES.values()),
}


def interpret_github_packages(captures: list[Capture], repo_full_name: str) -> list[RegistryObservation]:
    rows: dict[tuple[str, str], RegistryObservation] = {}
    for capture in captures:
        if capture.kind != "github.packages" or capture.status != 200:
            continue
        for package in map(_dict, _list(_json(capture))):
            repository = _dict(package.get("repository")).get("full_name")
            ecosystem = _PACKAGE_TYPES.get(str(package.get("package_type", "")))
            name = package.get("name")
            if not isinstance(repository, str) or repository.lower() != repo_full_name.lower():
                continue
            if ecosystem is None or not isinstance(name, str):
                continue
            name = _github_package_name(ecosystem, name, package, repository)
            dates = ("created_at", "updated_at")
            rows.setdefault(
                (ecosystem, name),
                _package_row(
                    ecosystem, name, GITHUB_PACKAGES, package, count_field="version_count", date_fields=dates
                ),
            )
    return [rows[key] for key in sorted(rows)]


def _github_package_name(ecosystem: str, name: str, package: dict[str, Any], repository: str) -> str:
    """The name a registry client uses. GitHub's npm registry takes scoped packages only, the scope being
    the owner (lower-case): the listing's `widget` of owner `acme` is installed as `@acme/widget`."""
    if ecosystem != "npm" or name.startswith("@"):
        return name
    owner = _dict(package.get("owner")).get("login")
    scope = owner if isinstance(owner, str) and owner else repository.partition("/")[0]
    return f"@{scope.lower()}/{name}"


# --- manifests ---------------------------------------------------------------------------------------


def interpret_manifests(captures: list[Capture]) -> list[Declaration]:
    """Parse every captured manifest; resolvers read other captured files of the same scan only."""
    bodies = {
        c.subject: c.body for c in captures if c.kind in ("github.file", "github.context") and c.status == 200
    }

    def context(path: str) -> str | None:
        body = bodies.get(path)
        return None if body is None or len(body) > MAX_MANIFEST_BYTES else decode_text(body)

    declarations = []
    for capture in sorted(captures, key=lambda c: c.subject):
        if capture.kind == "github.file" and capture.status == 200:
            declaration = read_manifest(capture.subject, capture.body, context=context)
        elif capture.kind == "github.file_too_large":
            size = _dict(_json(capture)).get("size")
            declaration = too_large_manifest(capture.subject, size if isinstance(size, int) else 0)
        else:
            continue
        if declaration is not None:
            declarations.append(declaration)
    return declarations
