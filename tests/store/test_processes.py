"""Several real processes against one database: no repo is scanned twice; a kill leaves no trace."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import stamina
from sqlalchemy import func, select

from distscout.emulator.server import EmulatorServer
from distscout.store.claims import claim_next
from distscout.store.schema import repo_distribution_manifest, scan_runs
from tests.databases import postgresql_only
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import TEST_TOKEN
from tests.store.helpers import Clock, row_counts, scan_due, tracked

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


def _environment(server: EmulatorServer) -> dict[str, str]:
    return os.environ | {
        "DISTSCOUT_DEPSDEV_URL": server.url_for("depsdev"),
        "DISTSCOUT_ECOSYSTEMS_URL": server.url_for("ecosystems"),
        "DISTSCOUT_GITHUB_API_URL": server.url_for("github"),
        "DISTSCOUT_GITHUB_TOKEN": TEST_TOKEN,
        "DISTSCOUT_POLITE_EMAIL": "tests@distscout.example",
        "PYTHONPATH": str(ROOT),
    }


def _worker(mode: str, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.worker_process", mode, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _world(count: int) -> dict[str, Any]:
    return {
        "format": 1,
        "repos": [
            {"url": f"https://github.com/fleet/r{i:04}", "files": {"package.json": f'{{"name": "p{i}"}}'}}
            for i in range(count)
        ],
        "packages": [],
    }


@postgresql_only
def test_four_worker_processes_never_scan_a_repo_twice(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world = _world(500)
    server = emulator_factory(world, limits=None)
    engine = tracked(database_url, [r["url"] for r in world["repos"]], Clock.real())
    env = _environment(server)
    workers = [_worker("dispatch", database_url, env=env) for _ in range(4)]
    outputs = [w.communicate(timeout=600) for w in workers]
    assert all(w.returncode == 0 for w in workers), [o[1][-2000:] for o in outputs]
    with engine.connect() as connection:
        per_repo = connection.execute(
            select(scan_runs.c.repo_id, func.count()).group_by(scan_runs.c.repo_id)
        ).all()
    assert len(per_repo) == 500 and {count for _, count in per_repo} == {1}
    finished = [int(out.split()[1]) for out, _ in outputs]
    assert sum(finished) == 500 and sum(1 for n in finished if n > 0) >= 2, finished


async def test_a_process_killed_inside_rotation_leaves_the_previous_rows(
    database_url: str, emulator_factory: EmulatorFactory, tmp_path: Path
) -> None:
    world = {
        "format": 1,
        "repos": [{"url": "https://github.com/fleet/kill", "files": {"package.json": '{"name": "before"}'}}],
        "packages": [],
    }
    server = emulator_factory(world)
    clock = Clock.real()
    engine = tracked(database_url, ["fleet/kill"], clock)
    await scan_due(engine, server, clock)
    before = row_counts(engine)
    marker = tmp_path / "inside"
    worker = _worker(
        "rotate-and-hang",
        database_url,
        str(marker),
        env=_environment(server) | {"DISTSCOUT_CADENCE_DAYS": "0.000001"},
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), worker.communicate(timeout=5)[1][-2000:]
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    after = row_counts(engine)
    assert after.pop("active_scans") == 1, "the dead worker's entry stays, and stops counting at its `until`"
    before.pop("active_scans")
    assert after == before, "the killed rotation left the previous rows intact"
    with engine.connect() as connection:
        names = connection.execute(select(repo_distribution_manifest.c.package_name_declared)).scalars().all()
    assert names == ["before"]
    later = Clock.real()
    later.advance(hours=1)  # on SQLite the dead worker's lease runs out; on PostgreSQL the rollback freed it
    claim = claim_next(engine, later(), timedelta(seconds=1))
    assert claim is not None and claim.repo.ref.full_name == "fleet/kill", "the repo is claimable again"
