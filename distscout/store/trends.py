"""Fleet trends, read back from the history tables: at each moment since the first scan, how many
repositories had registry evidence, an orphan manifest, or unclaimed packages.

Every stored scan rotates: the rows it replaced go to history stamped with its time, which is also its
`scan_runs.finished_at`. So a repository's rows between two of its scans are the history rows stamped
with the later one (none stamped: it had none), and since its latest scan its current rows. Each such
interval is judged by the rules of the live reports (distscout.store.queries), with the scans known by
the interval's end: an orphan needs every registry that could know its ecosystem to have answered, an
unclaimed repository a manifest walk that answered. The last point is today's rollup.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, false, select

from distscout.interpreters import registry_coverage, registry_sources
from distscout.interpreters.manifests import MANIFESTS
from distscout.store.schema import (
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repos,
    scan_runs,
)

SERIES = ("published", "orphans", "unclaimed")
ANSWERED = ("ok", "miss")
BATCH = 500  # repositories read at a time: memory stays bounded, whatever the fleet


@dataclass(frozen=True)
class _Snapshot:
    registry: frozenset[tuple[str, str]]  # (ecosystem, normalized name) of registry rows, noise left out
    manifests: tuple[tuple[str, str | None, bool], ...]  # (type, normalized name, declares intent)


@dataclass(frozen=True)
class _Run:
    finished_at: datetime
    stored: bool  # rows were rotated (every verdict but "failed")
    asked: frozenset[str]  # the sources the scan asked
    answered: frozenset[str]  # those that answered (ok, or a clean miss)


@functools.lru_cache(maxsize=1024)
def _outcomes(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """A scan's outcomes JSON as (asked, answered): fleets repeat a handful of these, so each is read once."""
    outcomes = json.loads(text)
    return frozenset(outcomes), frozenset(s for s, outcome in outcomes.items() if outcome in ANSWERED)


def fleet_trends(connection: Connection, now: datetime, points: int = 60) -> dict[str, Any]:
    """`points` evenly spaced moments from the first scan to `now`, each with its counts of
    repositories: `published` (registry evidence), `orphans` (an orphan manifest), `unclaimed`."""
    changes: dict[str, list[tuple[datetime, int]]] = {name: [] for name in SERIES}
    first: datetime | None = None
    for start, end, flags in _intervals(connection):
        first = start if first is None else min(first, start)
        for name in SERIES:
            if flags[name]:
                changes[name].append((start, 1))
                if end is not None:
                    changes[name].append((end, -1))
    now = _utc(now)
    if first is None:
        return {"points": [], "series": list(SERIES)}
    moments = _moments(first, now, points)
    values = {name: _values_at(changes[name], moments) for name in SERIES}
    return {
        "series": list(SERIES),
        "points": [
            {"at": at.isoformat(), **{name: values[name][i] for name in SERIES}}
            for i, at in enumerate(moments)
        ],
    }


def _moments(first: datetime, now: datetime, points: int) -> list[datetime]:
    if points < 2 or now <= first:
        return [now]
    step = (now - first) / (points - 1)
    return [first + step * i for i in range(points - 1)] + [now]


def _values_at(changes: list[tuple[datetime, int]], moments: list[datetime]) -> list[int]:
    """A series' value at each moment (in order): the sum of its changes up to then. One sort, one walk."""
    changes.sort(key=lambda change: change[0])
    values, total, i = [], 0, 0
    for at in moments:
        while i < len(changes) and changes[i][0] <= at:
            total += changes[i][1]
            i += 1
        values.append(total)
    return values


def _intervals(connection: Connection) -> Iterator[tuple[datetime, datetime | None, dict[str, bool]]]:
    """Every (start, end, flags) of every repository: end None is "until now"."""
    after = 0
    while True:
        ids = list(
            connection.execute(select(repos.c.id).where(repos.c.id > after).order_by(repos.c.id).limit(BATCH))
            .scalars()
            .all()
        )
        if not ids:
            return
        runs = _runs(connection, ids)
        registry, manifests = _snapshots(connection, ids)
        for repo_id in ids:
            yield from _repo_intervals(runs.get(repo_id, []), registry[repo_id], manifests[repo_id])
        after = ids[-1]


def _runs(connection: Connection, ids: list[int]) -> dict[int, list[_Run]]:
    found: dict[int, list[_Run]] = defaultdict(list)
    query = (
        select(scan_runs.c.repo_id, scan_runs.c.finished_at, scan_runs.c.verdict, scan_runs.c.outcomes)
        .where(scan_runs.c.repo_id.in_(ids))
        .order_by(scan_runs.c.repo_id, scan_runs.c.finished_at, scan_runs.c.id)
    )
    for repo_id, finished_at, verdict, outcomes in connection.execute(query):
        found[repo_id].append(_Run(_utc(finished_at), verdict != "failed", *_outcomes(outcomes)))
    return found


Keyed = dict[int, dict[datetime | None, list[Any]]]  # repo → rotated_at (None: current) → rows


def _snapshots(connection: Connection, ids: list[int]) -> tuple[Keyed, Keyed]:
    registry: Keyed = defaultdict(lambda: defaultdict(list))
    manifests: Keyed = defaultdict(lambda: defaultdict(list))
    sources = registry_sources()
    for table, history, into in (
        (repo_distribution, repo_distribution_history, registry),
        (repo_distribution_manifest, repo_distribution_manifest_history, manifests),
    ):
        columns = _columns(table is repo_distribution)
        for rotated, source_table in ((None, table), (True, history)):
            stamp = [source_table.c.rotated_at] if rotated else []
            query = select(source_table.c.repo_id, *stamp, *(source_table.c[c] for c in columns)).where(
                source_table.c.repo_id.in_(ids)
            )
            if table is repo_distribution:  # a package, whichever registries saw it
                query = query.where(
                    source_table.c.source.in_(sources), source_table.c.noise == false()
                ).distinct()
            for row in connection.execute(query):
                into[row.repo_id][_utc(row.rotated_at) if rotated else None].append(row)
    return registry, manifests


def _columns(registry: bool) -> tuple[str, ...]:
    if registry:
        return ("ecosystem", "normalized_name")
    return ("manifest_type", "normalized_name", "intent", "status")


def _repo_intervals(
    runs: list[_Run], registry: dict[datetime | None, list[Any]], manifests: dict[datetime | None, list[Any]]
) -> Iterator[tuple[datetime, datetime | None, dict[str, bool]]]:
    stored = [run.finished_at for run in runs if run.stored]
    for i, start in enumerate(stored):
        end = stored[i + 1] if i + 1 < len(stored) else None
        snapshot = _snapshot(registry.get(end, []), manifests.get(end, []))
        known = [run for run in runs if end is None or run.finished_at < end]
        yield start, end, _flags(snapshot, known)


def _snapshot(registry: list[Any], manifests: list[Any]) -> _Snapshot:
    return _Snapshot(
        frozenset((row.ecosystem, row.normalized_name) for row in registry),
        tuple(
            (row.manifest_type, row.normalized_name, row.intent and row.status == "ok") for row in manifests
        ),
    )


def _flags(snapshot: _Snapshot, known: list[_Run]) -> dict[str, bool]:
    """The live reports' rules over one interval's rows and the scans known by its end."""
    asked = frozenset().union(*(run.asked for run in known))
    answered = frozenset().union(*(run.answered for run in known))
    silent = {source: ecosystems for source, ecosystems in _coverage() if source in asked - answered}

    def orphan(kind: str, name: str | None, intent: bool) -> bool:
        published = any(e == kind and (kind == "swiftpm" or n == name) for e, n in snapshot.registry)
        waiting = any(ecosystems is None or kind in ecosystems for ecosystems in silent.values())
        return intent and not published and not waiting

    return {
        "published": bool(snapshot.registry),
        "orphans": any(orphan(*manifest) for manifest in snapshot.manifests),
        "unclaimed": bool(snapshot.registry) and not snapshot.manifests and MANIFESTS in answered,
    }


@functools.cache
def _coverage() -> tuple[tuple[str, frozenset[str] | None], ...]:
    return tuple(registry_coverage().items())


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
