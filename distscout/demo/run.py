"""The offline demo: the demo world served by the emulator, scanned into a fresh SQLite file.

The fault plan puts ecosyste.ms in an outage for the first seconds, so the first pass ends with partial
scans; the second pass re-claims them first once the upstream is back — the scheduler's recovery, shown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from distscout.app import Application
from distscout.config import Settings
from distscout.demo import DEMO_FAULTS, DEMO_WORLD
from distscout.doctor import Check, run_doctor
from distscout.doctor_database import CANARY_TRIES
from distscout.emulator.faults import load_fault_plan
from distscout.emulator.server import EmulatorServer
from distscout.emulator.world import load_world
from distscout.repos import parse_repo_ref
from distscout.store.claims import due_repos
from distscout.store.repos import TrackedRepo, add_repos, canary_candidates, list_repos, tracked_hosts
from distscout.worker.runner import ScanReport

RECOVERY_PASSES = 3
OUTAGE_SECONDS = 4.5  # faults.json: ecosyste.ms answers 503 for the emulator's first 4 seconds


@dataclass(frozen=True)
class DemoRun:
    database_url: str
    first_pass: list[ScanReport]
    second_pass: list[ScanReport]
    seconds: float
    preflight: list[Check]  # `distscout doctor` against the emulator, once the scans are done


def fresh_database(path: Path) -> str:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def run_demo(path: Path, on_report: Callable[[ScanReport], None] | None = None) -> DemoRun:
    started = time.monotonic()
    world = load_world(DEMO_WORLD)
    with EmulatorServer(world, load_fault_plan(DEMO_FAULTS)) as server:
        settings = Settings(
            database_url=fresh_database(path),
            depsdev_url=server.url_for("depsdev"),
            ecosystems_url=server.url_for("ecosystems"),
            github_api_url=server.url_for("github"),
            gitlab_api_url=server.url_for("gitlab") + "/api/v4",
            github_token=SecretStr("demo-token"),
            polite_email="demo@distscout.invalid",
            workers=4,
            start_interval=0,
            breaker_open_seconds=2.0,
        )
        app = Application.open(settings)
        engine = app.engine
        with engine.begin() as connection:
            add_repos(connection, [parse_repo_ref(repo.url) for repo in world.repos], datetime.now(UTC))
        with engine.connect() as connection:
            everything = list(list_repos(connection))
        first = asyncio.run(_scan(app, everything, on_report))
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))  # let the outage end
        second: list[ScanReport] = []
        for _ in range(RECOVERY_PASSES):  # the partial scans, re-claimed first (GitHub fails 5% of the time)
            partial = due_repos(engine, datetime.now(UTC), timedelta(days=settings.cadence_days))
            if not partial:
                break
            second += asyncio.run(_scan(app, partial, on_report))
        with engine.connect() as connection:
            candidates, hosts = canary_candidates(connection, CANARY_TRIES), tracked_hosts(connection)
        app.close()
        # What an operator runs before a real fleet scan; the demo's outage and error rate are lifted first,
        # so what it shows is the upstreams' real behaviour (the emulator's defaults), not injected faults.
        server.set_faults(None)
        preflight = asyncio.run(run_doctor(settings, candidates, hosts=hosts))
    return DemoRun(settings.database_url, first, second, time.monotonic() - started, preflight)


async def _scan(
    app: Application, targets: list[TrackedRepo], on_report: Callable[[ScanReport], None] | None
) -> list[ScanReport]:
    upstreams = app.upstreams()
    try:
        return await app.batch(upstreams, on_report=on_report).run(targets)
    finally:
        await upstreams.aclose()
