"""deps.dev v3 as the emulator serves it (upstream-apis.md §1): `:packageversions` and GetPackage.

Path parameters must arrive fully percent-encoded: a project id sent as `github.com/acme/widget` (literal
slashes) is a different, unknown path and answers 404, as deps.dev does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from distscout.emulator.model import Package, registry_key
from distscout.emulator.quirks import DepsdevQuirks
from distscout.emulator.replies import Call, Reply, Route, iso_seconds, json_reply, route
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
            by_project[package.repository_url.removeprefix("https://").lower()].append(package)
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
        )

    def error(self, status: int, message: str) -> Reply:
        return json_reply({"code": _GRPC_CODES.get(status, 2), "message": message, "details": []}, status)

    def _package_versions(self, call: Call) -> Reply:
        rows = self._project_rows.get(call.params["project"].lower())
        if not rows:
            return self.error(404, "project not found or no package versions")
        unknown = self.quirks.unknown_relation_type if isinstance(self.quirks, DepsdevQuirks) else frozenset()
        if unknown:
            rows = [_without_relation(row) if _row_key(row) in unknown else row for row in rows]
        return json_reply({"versions": rows})

    def _package(self, call: Call) -> Reply:
        system = call.params["system"].upper()
        if system not in _ECOSYSTEM_OF:
            return self.error(400, f"invalid system {call.params['system']!r}")
        ecosystem = _ECOSYSTEM_OF[system]
        package = self._packages.get((system, registry_key(ecosystem, call.params["name"])))
        if package is None:
            return self.error(404, "package not found")
        latest = package.latest
        return json_reply(
            {
                "packageKey": {"system": system, "name": _served_name(package)},
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


def _served_order(package: Package) -> tuple[bool, str, str]:
    return package.provenance not in _VERIFIED_FIRST, package.ecosystem, package.name


def _served_name(package: Package) -> str:
    # deps.dev canonicalizes PyPI names (PEP 503) and NuGet names (lower case).
    return registry_key(package.ecosystem, package.name)


def _version_key(package: Package, version: str) -> dict[str, str]:
    return {"system": SYSTEMS[package.ecosystem], "name": _served_name(package), "version": version}


def _version_rows(package: Package) -> list[dict[str, Any]]:
    attested = package.provenance.endswith("_ATTESTATION")
    rows = []
    for version in reversed(package.versions):
        proof = {
            "sourceRepository": package.repository_url,
            "commit": "0" * 40,
            "url": f"https://attestations.example/{package.ecosystem}/{package.name}/{version.version}",
            "verified": True,
        }
        row = {
            "versionKey": _version_key(package, version.version),
            "relationType": "SOURCE_REPO",
            "relationProvenance": package.provenance,
            "slsaProvenances": [proof] if package.provenance == "SLSA_ATTESTATION" else [],
            "attestations": [{"type": "https://slsa.dev/provenance/v1", **proof}] if attested else [],
        }
        rows.append(_proto3(row))
    return rows


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
