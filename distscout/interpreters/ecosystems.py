"""ecosyste.ms: the packages its lookup (single or bulk, paged) lists for the repository URL."""

from __future__ import annotations

from collections.abc import Sequence

from distscout.captures import Capture
from distscout.interpreters.base import Interpretation, Interpreter, as_dict, as_list, json_of, package_row
from distscout.observations import RegistryObservation

ECOSYSTEMS = "ecosyste.ms"
_ECOSYSTEMS_NAMES = {"packagist": "composer", "swift": "swiftpm", "hackage": "hackage", "crates": "cargo"}


def interpret_ecosystems(captures: Sequence[Capture]) -> list[RegistryObservation]:
    rows: dict[tuple[str, str], RegistryObservation] = {}
    for capture in captures:
        if capture.kind != "ecosystems.lookup" or capture.status != 200:
            continue
        for package in map(as_dict, as_list(json_of(capture))):
            raw = str(
                package.get("ecosystem") or as_dict(package.get("registry")).get("ecosystem") or ""
            ).lower()
            name = package.get("name")
            if not raw or not isinstance(name, str) or not name:
                continue
            ecosystem = _ECOSYSTEMS_NAMES.get(raw, raw)
            dates = ("first_release_published_at", "latest_release_published_at")
            rows.setdefault(
                (ecosystem, name),
                package_row(
                    ecosystem, name, ECOSYSTEMS, package, count_field="versions_count", date_fields=dates
                ),
            )
    return [rows[key] for key in sorted(rows)]


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(registry=tuple(interpret_ecosystems(captures)))


INTERPRETER = Interpreter(ECOSYSTEMS, _interpret, registry=True)
