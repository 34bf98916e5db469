"""deps.dev: `:packageversions` maps the repository to package versions; `package` calls add their dates.

Only a SOURCE_REPO relation is publication evidence; its provenance ranks how sure deps.dev is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from distscout.captures import Capture
from distscout.ecosystems import DEPSDEV_SYSTEMS
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

DEPSDEV = "deps.dev"
_DEPSDEV_SYSTEMS = {system: ecosystem for ecosystem, system in DEPSDEV_SYSTEMS.items()}  # NPM -> npm
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


def interpret_depsdev(captures: Sequence[Capture]) -> list[RegistryObservation]:
    mapped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for capture in captures:
        if capture.kind != "depsdev.packageversions" or capture.status != 200:
            continue
        for version in as_list(as_dict(json_of(capture)).get("versions")):
            key = as_dict(as_dict(version).get("versionKey"))
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
    details = {c.subject: json_of(c) for c in captures if c.kind == "depsdev.package" and c.status == 200}
    return [
        _depsdev_row(ecosystem, name, provenances, details.get(f"{ecosystem}:{name}"))
        for (ecosystem, name), provenances in sorted(mapped.items())
    ]


def _depsdev_row(ecosystem: str, name: str, provenances: list[str], detail: Any) -> RegistryObservation:
    ranked = [p for p in _PROVENANCE_RANK if p in provenances]
    dates = sorted(
        d for v in as_list(as_dict(detail).get("versions")) if (d := time_of(as_dict(v).get("publishedAt")))
    )
    count = len(as_list(as_dict(detail).get("versions"))) if detail is not None else len(provenances)
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


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(registry=tuple(interpret_depsdev(captures)))


INTERPRETER = Interpreter(DEPSDEV, _interpret, registry=True, coverage=frozenset(_DEPSDEV_SYSTEMS.values()))
