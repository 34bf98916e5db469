"""Derived outputs with a recorded lineage: fleet reports and repo cards (files), history summaries (rows).

- `report:orphans`, `report:stats` → `<output_dir>/orphans.json`, `stats.json` (a *merge* over many repos);
- `card:owner/name` → `<output_dir>/cards/owner/name.json` (one repo's current rows);
- `history:owner/name` → kept in the database (a *derivative* of the repo's history snapshots): first
  seen / last seen per package and manifest, and the events — a package that *disappeared*.

Every output is recorded in `derived_outputs` with a fingerprint of its content and what it was derived
from, so an integrity check can tell missing, stale and malformed outputs apart.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from distscout.interpreters import registry_sources
from distscout.repos import RepoRef, display_name
from distscout.rows import version_tag
from distscout.store.bulk import conflict_insert
from distscout.store.queries import fleet_stats, orphans, repo_report
from distscout.store.schema import (
    derived_outputs,
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repos,
)

FLEET_REPORTS = ("report:orphans", "report:stats")


@dataclass(frozen=True)
class Output:
    name: str
    kind: str  # fleet_report | repo_card | history_summary
    data: Any
    inputs: dict[str, Any]
    repo_id: int | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.data)


def fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def relative_path(name: str) -> str | None:
    """Where a published output lives under the output directory (None: kept in the database)."""
    kind, _, rest = name.partition(":")
    if kind == "report":
        return f"{rest}.json"
    if kind == "card":
        return f"cards/{rest}.json"
    return None


def _latest_rotation(connection: Connection) -> str | None:
    latest = connection.execute(select(func.max(repos.c.distribution_last_run))).scalar_one_or_none()
    return latest.isoformat() if latest is not None else None


def build_fleet_report(connection: Connection, name: str) -> Output:
    data: Any = orphans(connection) if name == "report:orphans" else fleet_stats(connection).as_dict()
    return Output(name, "fleet_report", data, {"latest_rotation": _latest_rotation(connection)})


def build_card(connection: Connection, repo_id: int) -> Output | None:
    row = connection.execute(select(repos).where(repos.c.id == repo_id)).first()
    if row is None:
        return None
    report = repo_report(connection, RepoRef(row.host, row.owner, row.name))
    if report is None:
        return None
    report.pop("history", None)  # the card is the current state; history has its own derivative
    last_run = row.distribution_last_run.isoformat() if row.distribution_last_run else None
    card = f"card:{display_name(row.host, row.owner, row.name)}"
    return Output(card, "repo_card", report, {"last_run": last_run}, repo_id)


def snapshot_count(connection: Connection, repo_id: int) -> int:
    total = 0
    for table in (repo_distribution_history, repo_distribution_manifest_history):
        total += int(
            connection.execute(
                select(func.count()).select_from(table).where(table.c.repo_id == repo_id)
            ).scalar_one()
        )
    return total


def build_history_summary(connection: Connection, repo_id: int) -> Output | None:
    row = connection.execute(
        select(repos.c.host, repos.c.owner, repos.c.name).where(repos.c.id == repo_id)
    ).first()
    if row is None:
        return None
    packages = _package_timeline(connection, repo_id)
    manifests = _manifest_timeline(connection, repo_id)
    events = [
        {
            "at": p["removed_at"],
            "subject": p["package"],
            "event": "removed",
            "meaning": "the package disappeared from the registry"
            if p["source"] in registry_sources()
            else "no longer seen by this source",
        }
        for p in packages
        if p["removed_at"]
    ]
    events += [
        {"at": m["removed_at"], "subject": m["manifest"], "event": "manifest_removed"}
        for m in manifests
        if m["removed_at"]
    ]
    data = {
        "packages": packages,
        "manifests": manifests,
        "events": sorted(events, key=lambda e: str(e["at"])),
    }
    inputs = {"snapshots": snapshot_count(connection, repo_id)}
    name = f"history:{display_name(row.host, row.owner, row.name)}"
    return Output(name, "history_summary", data, inputs, repo_id)


def _package_timeline(connection: Connection, repo_id: int) -> list[dict[str, Any]]:
    current, history = repo_distribution, repo_distribution_history
    key = (history.c.ecosystem, history.c.package_name, history.c.source)
    present = {
        tuple(r)
        for r in connection.execute(
            select(current.c.ecosystem, current.c.package_name, current.c.source).where(
                current.c.repo_id == repo_id
            )
        )
    }
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in connection.execute(select(current).where(current.c.repo_id == repo_id)):
        seen[(r.ecosystem, r.package_name, r.source)] = {
            "first": r.data_collection_date,
            "last": r.data_collection_date,
            "removed": None,
        }
    for r in connection.execute(
        select(
            *key,
            func.min(history.c.data_collection_date),
            func.max(history.c.data_collection_date),
            func.max(history.c.rotated_at),
        )
        .where(history.c.repo_id == repo_id)
        .group_by(*key)
    ):
        entry = seen.setdefault((r[0], r[1], r[2]), {"first": r[3], "last": r[4], "removed": None})
        entry["first"], entry["last"] = min(entry["first"], r[3]), max(entry["last"], r[4])
        if (r[0], r[1], r[2]) not in present:
            entry["removed"] = r[5]  # the rotation that no longer carried it
    return [
        {
            "package": f"{e}/{n}",
            "source": s,
            "first_seen": _iso(v["first"]),
            "last_seen": _iso(v["last"]),
            "present": (e, n, s) in present,
            "removed_at": _iso(v["removed"]),
        }
        for (e, n, s), v in sorted(seen.items())
    ]


def _manifest_timeline(connection: Connection, repo_id: int) -> list[dict[str, Any]]:
    current, history = repo_distribution_manifest, repo_distribution_manifest_history
    present = set(
        connection.execute(select(current.c.manifest_path).where(current.c.repo_id == repo_id)).scalars()
    )
    seen: dict[str, dict[str, Any]] = {
        r.manifest_path: {"first": r.data_collection_date, "last": r.data_collection_date, "removed": None}
        for r in connection.execute(select(current).where(current.c.repo_id == repo_id))
    }
    for r in connection.execute(
        select(
            history.c.manifest_path,
            func.min(history.c.data_collection_date),
            func.max(history.c.data_collection_date),
            func.max(history.c.rotated_at),
        )
        .where(history.c.repo_id == repo_id)
        .group_by(history.c.manifest_path)
    ):
        entry = seen.setdefault(r[0], {"first": r[1], "last": r[2], "removed": None})
        entry["first"], entry["last"] = min(entry["first"], r[1]), max(entry["last"], r[2])
        if r[0] not in present:
            entry["removed"] = r[3]
    return [
        {
            "manifest": path,
            "first_seen": _iso(v["first"]),
            "last_seen": _iso(v["last"]),
            "present": path in present,
            "removed_at": _iso(v["removed"]),
        }
        for path, v in sorted(seen.items())
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def save(connection: Connection, output: Output, output_dir: Path, now: datetime) -> None:
    """Write the output (a file, atomically; or the database) and record its lineage."""
    document = {
        "name": output.name,
        "kind": output.kind,
        "built_at": now.isoformat(),
        "interpreter_version": version_tag(),
        "fingerprint": output.fingerprint,
        "data": output.data,
    }
    path = relative_path(output.name)
    content = None
    if path is not None:
        target = output_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(document, indent=1, default=str))
        os.replace(partial, target)
    else:
        content = json.dumps(document, default=str)
    values = {
        "name": output.name,
        "kind": output.kind,
        "repo_id": output.repo_id,
        "path": path,
        "fingerprint": output.fingerprint,
        "inputs": json.dumps(output.inputs, default=str),
        "interpreter_version": version_tag(),
        "built_at": now,
        "content": content,
    }
    statement = conflict_insert(connection, derived_outputs).values(**values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["name"], set_={k: statement.excluded[k] for k in values if k != "name"}
        )
    )
