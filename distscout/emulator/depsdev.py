"""deps.dev v3 as the emulator serves it (upstream-apis.md §1): `:packageversions`, GetPackage, GetVersion.

Path parameters must arrive fully percent-encoded: a project id sent as `github.com/acme/widget` (literal
slashes) is a different, unknown path and answers 404, as deps.dev does. A package's repository link is
canonicalized into a project id (repo_links.py) for the reverse lookup and GetVersion's `relatedProjects`, so
`git+https://github.com/Acme/Widget.git` maps to `github.com/acme/widget`; GetVersion's `SOURCE_REPO` link
carries it raw, as the registry holds it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from distscout.emulator.model import Package, registry_key
from distscout.emulator.quirks import DepsdevQuirks
from distscout.emulator.replies import Call, Reply, Route, iso_seconds, json_reply, route
from distscout.emulator.repo_links import depsdev_project_id, https_form
from distscout.emulator.service import Service

SYSTEMS = {
    "npm": "NPM",
    "pypi": "PYPI",
    "cargo": "CARGO",
    "maven": "MAVEN",
    "rubygems": "RUBYGEMS",
    "nuget": "NUGET",
    "go": "GO",
}
_ECOSYSTEM_OF = {system: ecosystem for ecosystem, system in SYSTEMS.items()}
_GRPC_CODES = {400: 3, 404: 5, 429: 8, 500: 13, 502: 14, 503: 14}
# where each system's registry serves a version (GetVersion's ORIGIN link), before /<name>/<version>
_ORIGINS = {
    "npm": "https://registry.npmjs.org",
    "pypi": "https://pypi.org/pypi",
    "cargo": "https://crates.io/api/v1/crates",
    "maven": "https://repo.maven.apache.org/maven2",
    "rubygems": "https://rubygems.org/api/v2/rubygems",
    "nuget": "https://api.nuget.org/v3/registration5-gz-semver2",
    "go": "https://proxy.golang.org",
}
_MAX_PACKAGE_VERSIONS = 1500  # deps.dev's cap on one :packageversions answer
_VERIFIED_FIRST = (
    "SLSA_ATTESTATION",
    "PYPI_PUBLISH_ATTESTATION",
    "RUBYGEMS_PUBLISH_ATTESTATION",
    "GO_ORIGIN",
)


class DepsdevService(Service):
    name = "depsdev"

    def build_routes(self) -> Iterable[Route]:
        known = [p for p in self.world.packages if "depsdev" in p.sources]
        by_project: dict[str, list[Package]] = defaultdict(list)
        for package in known:
            project = depsdev_project_id(package.repository_url)
            if project is not None and package.in_reverse_index:
                by_project[project].append(package)
        # Attestation-derived mappings come first, as deps.dev serves them, before the cap applies.
        self._project_rows = {
            project: [row for package in sorted(group, key=_served_order) for row in _version_rows(package)][
                :_MAX_PACKAGE_VERSIONS
            ]
            for project, group in by_project.items()
        }
        self._packages = {(SYSTEMS[p.ecosystem], registry_key(p.ecosystem, p.name)): p for p in known}
        return (
            route("GET", "/v3/projects/{project}:packageversions", self._package_versions),
            route("GET", "/v3/systems/{system}/packages/{name}", self._package),
            route("GET", "/v3/systems/{system}/packages/{name}/versions/{version}", self._version),
        )

    def error(self, status: int, message: str) -> Reply:
        return json_reply({"code": _GRPC_CODES.get(status, 2), "message": message, "details": []}, status)

    def _package_versions(self, call: Call) -> Reply:
        rows = self._project_rows.get(call.params["project"].lower())
        if not rows:
            return self.error(404, "project not found or no package versions")
        unknown = self._unknown_relation_type()
        if unknown:
            rows = [_without_relation(row) if _row_key(row) in unknown else row for row in rows]
        return json_reply({"versions": rows})

    def _unknown_relation_type(self) -> frozenset[str]:
        return self.quirks.unknown_relation_type if isinstance(self.quirks, DepsdevQuirks) else frozenset()

    def _find(self, call: Call) -> Package | Reply:
        """The package the path names, or the error deps.dev answers (400 for a system it does not serve)."""
        system = call.params["system"].upper()
        if system not in _ECOSYSTEM_OF:
            return self.error(400, f"invalid system {call.params['system']!r}")
        package = self._packages.get((system, registry_key(_ECOSYSTEM_OF[system], call.params["name"])))
        return self.error(404, "package not found") if package is None else package

    def _package(self, call: Call) -> Reply:
        package = self._find(call)
        if isinstance(package, Reply):
            return package
        latest = package.latest
        return json_reply(
            {
                "packageKey": {"system": SYSTEMS[package.ecosystem], "name": _served_name(package)},
                "versions": [
                    {
                        "versionKey": _version_key(package, version.version),
                        **(
                            {"publishedAt": iso_seconds(version.published_at)} if version.published_at else {}
                        ),
                        "isDefault": version is latest,
                        "isDeprecated": False,
                    }
                    for version in package.versions
                ],
            }
        )

    def _version(self, call: Call) -> Reply:
        package = self._find(call)
        if isinstance(package, Reply):
            return package
        version = next((v for v in package.versions if v.version == call.params["version"]), None)
        if version is None:
            return self.error(404, "version not found")
        related = _related_projects(package)
        if _quirk_key(package) in self._unknown_relation_type():
            related = [_without_relation(row) for row in related]
        return json_reply(
            {
                "versionKey": _version_key(package, version.version),
                **({"publishedAt": iso_seconds(version.published_at)} if version.published_at else {}),
                "isDefault": version is package.latest,
                "isDeprecated": False,
                "licenses": [],
                "advisoryKeys": [],
                "links": _links(package, version.version),
                **_proofs(package, version.version),
                "registries": [],
                "relatedProjects": related,
            }
        )


def _links(package: Package, version: str) -> list[dict[str, str]]:
    """The version's links: where the registry serves it, and the repository link exactly as published."""
    origin = f"{_ORIGINS[package.ecosystem]}/{quote(package.name, safe='@:')}/{quote(version, safe='')}"
    links = [{"label": "ORIGIN", "url": origin}]
    if package.repository_url is not None:
        links.append({"label": "SOURCE_REPO", "url": package.repository_url})
    return links


def _related_projects(package: Package) -> list[dict[str, Any]]:
    """deps.dev's reading of the link, a canonical project id (shown whatever its reverse lookup's lag)."""
    project = depsdev_project_id(package.repository_url)
    if project is None:
        return []
    relation = {"projectKey": {"id": project}, "relationProvenance": package.provenance}
    return [_proto3({**relation, "relationType": "SOURCE_REPO"})]


def _served_order(package: Package) -> tuple[bool, str, str]:
    return package.provenance not in _VERIFIED_FIRST, package.ecosystem, package.name


def _served_name(package: Package) -> str:
    # deps.dev canonicalizes PyPI names (PEP 503) and NuGet names (lower case).
    return registry_key(package.ecosystem, package.name)


def _version_key(package: Package, version: str) -> dict[str, str]:
    return {"system": SYSTEMS[package.ecosystem], "name": _served_name(package), "version": version}


def _version_rows(package: Package) -> list[dict[str, Any]]:
    rows = []
    for version in reversed(package.versions):
        row = {
            "versionKey": _version_key(package, version.version),
            "relationType": "SOURCE_REPO",
            "relationProvenance": package.provenance,
            **_proofs(package, version.version),
        }
        rows.append(_proto3(row))
    return rows


def _proofs(package: Package, version: str) -> dict[str, list[dict[str, Any]]]:
    """`slsaProvenances` and `attestations` of one version, as its provenance implies (none without a
    repository: an attestation always names the one it was built from)."""
    # the repository as the build saw it: an https URL, not the metadata's spelling of the link
    source = https_form(package.repository_url)
    attested = source is not None and package.provenance.endswith("_ATTESTATION")
    proof = {
        "sourceRepository": source,
        "commit": "0" * 40,
        "url": f"https://attestations.example/{package.ecosystem}/{package.name}/{version}",
        "verified": True,
    }
    return {
        "slsaProvenances": [proof] if attested and package.provenance == "SLSA_ATTESTATION" else [],
        "attestations": [{"type": "https://slsa.dev/provenance/v1", **proof}] if attested else [],
    }


def _quirk_key(package: Package) -> str:
    """How the `unknown_relation_type` quirk names a package: `ecosystem/name`, as deps.dev serves it."""
    return f"{package.ecosystem}/{_served_name(package)}".lower()


def _row_key(row: dict[str, Any]) -> str:
    key = row["versionKey"]
    return f"{_ECOSYSTEM_OF[key['system']]}/{key['name']}".lower()


def _without_relation(row: dict[str, Any]) -> dict[str, Any]:
    """The row with relationType UNKNOWN_PROJECT_RELATION_TYPE: in proto3 JSON, no relationType at all."""
    return {name: value for name, value in row.items() if name != "relationType"}


_ENUM_ZEROS = {"UNKNOWN_PROJECT_RELATION_TYPE", "UNKNOWN_PROJECT_RELATION_PROVENANCE"}


def _proto3(row: dict[str, Any]) -> dict[str, Any]:
    """proto3 JSON, as the gateway writes it: a field at its zero value (an enum's UNKNOWN_…) is left out."""
    return {
        name: value for name, value in row.items() if not (isinstance(value, str) and value in _ENUM_ZEROS)
    }
