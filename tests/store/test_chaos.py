"""A chaos soak (issue #16), bounded in count: workers scanning against failing upstreams while one of them is
killed (SIGKILL or SIGTERM) and restarted every few seconds; then the faults stop and one more scan
finishes the fleet. Nothing may be lost or doubled: every repository complete, no repository scanned twice
in one cycle, no duplicate current row, and `integrity check` clean. The figures are printed (-s)."""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from distscout.emulator.server import EmulatorServer
from distscout.store.schema import (
    active_scans,
    integrity_runs,
    repo_distribution,
    repo_distribution_manifest,
    scan_runs,
    workers,
)
from tests.databases import postgresql_only
from tests.emulator.fixtures import EmulatorFactory
from tests.store.cli_processes import cli_environment, run_cli, start_cli
from tests.store.helpers import Clock, tracked

COUNT = 60
KILLS = 6
CHAOS: dict[str, Any] = {
    "seed": 7,
    "depsdev": {"error_rate": 0.2, "outages": [[2, 4]], "reset_rate": 0.05, "garbage_rate": 0.03},
    "ecosystems": {"error_rate": 0.2, "html_rate": 0.05},
    "github": {"error_rate": 0.2, "latency_ms": 20, "reset_rate": 0.05, "drip_rate": 0.05, "drip_ms": 2},
}


def _world() -> dict[str, Any]:
    return {
        "format": 1,
        "repos": [
            {"url": f"https://github.com/chaos/r{i:03}", "files": {"package.json": f'{{"name": "p{i}"}}'}}
            for i in range(COUNT)
        ],
        "packages": [
            {"ecosystem": "npm", "name": f"p{i}", "repository_url": f"https://github.com/chaos/r{i:03}"}
            for i in range(0, COUNT, 3)
        ],
    }


def _env(server: EmulatorServer, url: str) -> dict[str, str]:
    # scans start at once and unpaced; a breaker closes again after a second, so the soak keeps working
    return cli_environment(server, url, start_interval="0", pace_by_budget="false", breaker_open_seconds="1")


def _complete_scans_per_repo(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(func.count())
            .select_from(scan_runs)
            .where(scan_runs.c.verdict == "complete")
            .group_by(scan_runs.c.repo_id)
        )
        return [int(n) for (n,) in rows]


def _duplicates(engine: Engine) -> int:
    with engine.connect() as connection:
        found = 0
        for table, key in (
            (repo_distribution, ("repo_id", "ecosystem", "package_name", "source")),
            (repo_distribution_manifest, ("repo_id", "manifest_path")),
        ):
            columns = [table.c[name] for name in key]
            doubled = select(*columns).group_by(*columns).having(func.count() > 1).subquery()
            found += int(connection.execute(select(func.count()).select_from(doubled)).scalar_one())
        return found


def _running(engine: Engine) -> dict[str, list[Any]]:
    """What reads as running, for a failure's message: the running-scan entries, the unfinished integrity
    runs (what `busy` reads) and the workers."""
    unfinished = select(integrity_runs).where(integrity_runs.c.finished_at.is_(None))
    with engine.connect() as connection:
        return {
            "active_scans": [tuple(r) for r in connection.execute(select(active_scans))],
            "integrity_runs": [tuple(r) for r in connection.execute(unfinished)],
            "workers": [tuple(r) for r in connection.execute(select(workers))],
        }


def _soak(env: dict[str, str], commands: list[list[str]], rng: random.Random, every: float) -> dict[str, int]:
    """Run the commands, killing one at random every `every` seconds (SIGKILL and SIGTERM by turns) and
    starting it again, KILLS times; then stop them all with SIGTERM."""
    running = [start_cli(env, *command, quiet=True) for command in commands]
    figures = {"sigkill": 0, "sigterm": 0}
    for round_ in range(KILLS):
        time.sleep(every)
        victim = rng.randrange(len(running))
        how = signal.SIGKILL if round_ % 2 == 0 else signal.SIGTERM
        running[victim].send_signal(how)
        running[victim].wait(timeout=120)
        figures["sigkill" if how == signal.SIGKILL else "sigterm"] += 1
        running[victim] = start_cli(env, *commands[victim], quiet=True)
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        process.wait(timeout=300)
    return figures


def _finish_and_check(
    engine: Engine, server: EmulatorServer, env: dict[str, str], figures: dict[str, Any]
) -> None:
    during = _complete_scans_per_repo(engine)
    with engine.connect() as connection:
        scans = connection.execute(select(func.count()).select_from(scan_runs)).scalar_one()
    figures["scans stored during the chaos"] = scans
    assert all(n == 1 for n in during), "a repository was scanned complete twice in one cycle"
    figures["complete during the chaos"] = len(during)
    server.set_faults(None)
    started = time.monotonic()
    final = run_cli(env, "scan", "--all")
    figures["seconds to finish the fleet after the chaos"] = round(time.monotonic() - started, 1)
    assert final.returncode == 0, final.stderr[-2000:]
    assert len(_complete_scans_per_repo(engine)) == COUNT, "every repository complete"
    assert _duplicates(engine) == 0
    checked = run_cli(env, "integrity", "check", "--json")
    report = json.loads(checked.stdout)
    assert report["status"] == "clean", (report["findings"][:5], _running(engine))
    print("chaos soak:", figures)


@postgresql_only
def test_two_workers_on_postgresql_killed_at_random(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    server = emulator_factory(_world(), CHAOS)
    engine = tracked(database_url, [r["url"] for r in _world()["repos"]], Clock.real())
    env = _env(server, database_url)
    worker = ["serve", "--workers-only"]
    figures: dict[str, Any] = dict(_soak(env, [worker, worker], random.Random(7), 3))  # noqa: S311
    _finish_and_check(engine, server, env, figures)
    engine.dispose()


def test_a_scan_on_sqlite_killed_and_restarted(tmp_path: Path, emulator_factory: EmulatorFactory) -> None:
    url = f"sqlite:///{tmp_path / 'chaos.db'}"
    server = emulator_factory(_world(), CHAOS)
    engine = tracked(url, [r["url"] for r in _world()["repos"]], Clock.real())
    env = _env(server, url)
    # a scan asks the metadata of 50 targets in one query before their scans start: a longer life each
    figures: dict[str, Any] = dict(_soak(env, [["scan", "--due"]], random.Random(11), 8))  # noqa: S311
    _finish_and_check(engine, server, env, figures)
    engine.dispose()
