"""The analyst's surfaces at fleet size: how long the dashboard pages and the API lists take, and how big
they are, over a store of N repositories (10,000 by default) seeded directly — rows shaped like a scanned
fleet (single packages, monorepos, orphans, unclaimed, two scans each so the history has a past).

    .venv/bin/python -m bench.dashboard [--repos 10000] [--backends sqlite,postgresql]

Prints, per backend and request, the median time of a few runs and the size of the answer.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, text

from bench.pipeline import database
from distscout.config import Settings
from distscout.store.engine import open_engine
from distscout.store.schema import (
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repos,
    scan_runs,
)
from distscout.web.app import create_app
from distscout.web.service import Service

RUNS = 5
FIRST = datetime(2026, 1, 1, tzinfo=UTC)
SECOND = FIRST + timedelta(days=90)
OUTCOMES = json.dumps(
    {"deps.dev": "ok", "ecosyste.ms": "ok", "github_packages": "ok", "manifests": "ok"}, sort_keys=True
)


def seed(engine: Engine, count: int, seed_value: int = 7) -> None:
    """`count` repositories, scanned twice (FIRST, SECOND): current rows, their snapshot, the scan runs."""
    rng = random.Random(seed_value)
    repo_rows, registry, manifests, runs = [], [], [], []
    for i in range(count):
        repo_id = i + 1
        owner, name = f"org{i % 97}", f"repo-{i:05}"
        repo_rows.append(_repo(repo_id, owner, name, archived=rng.random() < 0.05))
        shape, ecosystem = rng.random(), rng.choice(["npm", "pypi", "cargo"])
        members = 5 if shape > 0.8 else 1
        for member in range(members):
            package = f"pkg-{i}-{member}"
            path = "package.json" if members == 1 else f"packages/m{member}/package.json"
            # < 0.6 one published package; 0.6–0.7 an orphan; 0.7–0.8 unclaimed (a registry row, no
            # manifest); the rest monorepos of five members, the last an orphan
            orphan = 0.6 <= shape < 0.7 or (members > 1 and member == 4)
            if not 0.7 <= shape < 0.8:
                manifests.append(_manifest(repo_id, path, ecosystem, package, orphan))
            if not orphan:
                for source in ("deps.dev", "ecosyste.ms"):
                    registry.append(_package(repo_id, ecosystem, package, source))
        runs += [_run(repo_id, FIRST), _run(repo_id, SECOND)]
    with engine.begin() as connection:
        connection.execute(insert(repos), repo_rows)
        for table, history, rows in (
            (repo_distribution, repo_distribution_history, registry),
            (repo_distribution_manifest, repo_distribution_manifest_history, manifests),
        ):
            for start in range(0, len(rows), 5000):
                chunk = rows[start : start + 5000]
                connection.execute(insert(table), chunk)
                connection.execute(insert(history), [row | {"rotated_at": SECOND} for row in chunk])
        connection.execute(insert(scan_runs), runs)
    # A fleet's tables grow scan by scan, and autovacuum keeps PostgreSQL's statistics current; a store
    # loaded in one go and read at once has none, and the planner's guess of one manifest row made the
    # first /orphans take 86 s (nested loops over every registry row) instead of 0.7 s. Measure the fleet.
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _repo(repo_id: int, owner: str, name: str, *, archived: bool) -> dict[str, Any]:
    return {
        "id": repo_id,
        "host": "github.com",
        "owner": owner,
        "name": name,
        "repo_key": f"github.com/{owner}/{name}",
        "url": f"https://github.com/{owner}/{name}",
        "archived": archived,
        "added_at": FIRST,
        "distribution_last_run": SECOND,
        "distribution_scan_complete": True,
    }


def _package(repo_id: int, ecosystem: str, name: str, source: str) -> dict[str, Any]:
    return {
        "repo_id": repo_id,
        "ecosystem": ecosystem,
        "package_name": name,
        "normalized_name": name,
        "source": source,
        "purl": f"pkg:{ecosystem}/{name}",
        "interpreter_version": "bench",
        "data_collection_date": SECOND,
    }


def _manifest(repo_id: int, path: str, ecosystem: str, name: str, orphan: bool) -> dict[str, Any]:
    return {
        "repo_id": repo_id,
        "manifest_path": path,
        "manifest_type": ecosystem,
        "package_name_declared": name,
        "normalized_name": name,
        "intent": True,
        "intent_reason": "declares a package name",
        "status": "ok",
        "parser_version": "bench",
        "data_collection_date": SECOND,
        "verdict": "unregistered" if orphan else None,
    }


def _run(repo_id: int, at: datetime) -> dict[str, Any]:
    return {
        "repo_id": repo_id,
        "finished_at": at,
        "verdict": "complete",
        "outcomes": OUTCOMES,
        "interpreter_version": "bench",
    }


def timed(client: TestClient, url: str) -> tuple[float, float, int]:
    """The first request's seconds (cold: nothing cached), the median of RUNS, the answer's bytes."""
    times, answer = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = client.get(url)
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.status_code} {answer.text[:200]}")
    assert answer is not None
    return times[0], statistics.median(times), len(answer.content)


def deep_cursor(client: TestClient, pages: int) -> str:
    """The cursor of page `pages` of /api/repos (100 a page), reached by following `next`."""
    cursor = ""
    for _ in range(pages):
        cursor = client.get("/api/repos", params={"cursor": cursor} if cursor else {}).json()["next"]
    return cursor


def measure(url: str, count: int) -> None:
    engine = open_engine(url)
    seed(engine, count)
    settings = Settings(database_url=url, allowed_hosts=("testserver",))
    with TestClient(create_app(Service(engine, settings))) as client:
        deep = deep_cursor(client, count // 100 - 1)
        requests = [
            "/repos",
            f"/repos?cursor={deep}",
            "/repos?sort=orphans&order=desc",
            "/repos?q=repo-0999&has_orphan=false",
            "/orphans",
            "/unclaimed",
            "/",
            "/api/repos",
            f"/api/repos?cursor={deep}",
            "/api/repos?limit=1000",
            "/api/orphans",
            "/api/trends",
            "/api/repos?format=csv",
        ]
        for request in requests:
            first, median, size = timed(client, request)
            shown = request if len(request) < 50 else request[:30] + "…(page 99)"
            times = f"first {first * 1000:7.1f} ms, median {median * 1000:7.1f} ms"
            print(f"  {shown:<45} {times}  {size / 1024:7.1f} KiB")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        for backend in options.backends.split(","):
            with database(backend, Path(scratch_name)) as url:
                print(f"[{backend}] {options.repos:,} repositories, {RUNS} requests each:")
                measure(url, options.repos)


if __name__ == "__main__":
    main()
