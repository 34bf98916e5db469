"""What every interpreter is and shares: a pure function of one source's captures, declared once.

An interpreter reads the captures its source stored and nothing else: the same captures always give the
same observations, so an interpreter upgrade is a reprocess of stored captures, never a refetch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from distscout.captures import Capture
from distscout.manifests.declaration import Declaration
from distscout.observations import RegistryObservation

# Ecosystems where the repository *is* the package (a Go module, an Action, an image): weak evidence,
# noise unless the repository itself declares that ecosystem.
NOISE_ECOSYSTEMS = frozenset({"go", "actions", "docker"})


@dataclass(frozen=True)
class Interpretation:
    registry: tuple[RegistryObservation, ...] = ()
    manifests: tuple[Declaration, ...] = ()


# (the source's captures, the repository's stored owner/name) -> what they stand for
InterpretFunction = Callable[[Sequence[Capture], str], Interpretation]


@dataclass(frozen=True)
class Interpreter:
    source: str  # the name its captures, rows and settings carry ("deps.dev", "manifest", …)
    interpret: InterpretFunction
    # Package-registry evidence: a row of it can confirm publication (a release asset is shown, but is
    # not a registry release), and it can leave an orphan unconfirmed while it has not answered.
    registry: bool = False
    coverage: frozenset[str] | None = None  # the ecosystems a registry source can know; None: any
    # Whether its silence leaves an orphan unconfirmed. The name lookup's does not: it is asked only about
    # orphans, and a failed lookup makes the orphan's verdict `unknown`, not the orphan itself.
    gates_orphans: bool = True


def json_of(capture: Capture) -> Any:
    try:
        return json.loads(capture.body)
    except (ValueError, RecursionError):
        return None


def time_of(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # a time without a zone is read as UTC: naive and aware times neither compare nor store together
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def package_row(
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
        first_published_at=time_of(package.get(date_fields[0])),
        latest_published_at=time_of(package.get(date_fields[1])),
        noise=ecosystem in NOISE_ECOSYSTEMS,
    )
