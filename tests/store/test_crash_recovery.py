"""Crash recovery in seconds (issue #16): a SIGKILLed `scan` gives its claims back once its heartbeat is
missed, not when the 30-minute lease runs out; a SIGTERMed one stops like Ctrl-C and keeps nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from distscout.store.schema import active_scans, repos, scan_runs
from distscout.store.workers import reap_dead
from distscout.worker.heartbeat import stale_after
from distscout.worker.runner import utc_now
from tests.emulator.fixtures import EmulatorFactory
from tests.store.cli_processes import cli_environment, run_cli, start_cli
from tests.store.helpers import Clock, tracked

BEAT = 0.5  # heartbeat_seconds of every process these tests start (cli_environment)
COUNT = 30


def _world() -> dict[str, Any]:
    return {
        "format": 1,
        "repos": [
            {"url": f"https://github.com/fleet/r{i:03}", "files": {"package.json": f'{{"name": "p{i}"}}'}}
            for i in range(COUNT)
        ],
        "packages": [],
    }


def _held(engine: Engine) -> tuple[int, int]:
    """(leases held, running-scan entries)."""
    with engine.connect() as connection:
        leases = select(func.count()).select_from(repos).where(repos.c.distribution_claimed_by.is_not(None))
        running = select(func.count()).select_from(active_scans)
        return int(connection.execute(leases).scalar_one()), int(connection.execute(running).scalar_one())


def _wait_for_running_scans(engine: Engine, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120  # a bound against a hang, not a speed requirement
    while _held(engine)[1] == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _held(engine)[1] > 0, process.communicate(timeout=30)[1][-2000:]


def test_a_killed_scans_claims_come_back_within_a_few_beats(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    server = emulator_factory(_world(), {"github": {"latency_ms": 200}})
    engine = tracked(database_url, [r["url"] for r in _world()["repos"]], Clock.real())
    env = cli_environment(server, database_url)
    victim = start_cli(env, "scan", "--all")
    _wait_for_running_scans(engine, victim)
    os.kill(victim.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    victim.wait(timeout=30)
    assert _held(engine)[1] > 0, "the killed scan left its running-scan entries (and leases on SQLite)"

    deadline = time.monotonic() + 120
    while not reap_dead(engine, utc_now(), stale_after(BEAT)) and time.monotonic() < deadline:
        time.sleep(0.05)  # what any live process's heartbeat does every beat
    print(f"claims taken back {time.monotonic() - killed_at:.2f} s after the SIGKILL")
    assert _held(engine) == (0, 0)

    checked = run_cli(env, "integrity", "check", "--json")
    assert json.loads(checked.stdout)["status"] != "in_progress", checked.stderr
    server.set_faults(None)
    again = start_cli(env, "scan", "--all")
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-2000:]
    with engine.connect() as connection:
        scanned = connection.execute(select(func.count(func.distinct(scan_runs.c.repo_id)))).scalar_one()
    assert scanned == COUNT and _held(engine) == (0, 0)
    engine.dispose()


@pytest.mark.parametrize("sigint", ["default", "ignored"])
def test_sigterm_stops_a_scan_like_ctrl_c(
    database_url: str, emulator_factory: EmulatorFactory, sigint: str
) -> None:
    """Also when started with SIGINT ignored (`distscout scan --all &` in a script, nohup): the stop
    must not go through a SIGINT that nothing hears (it ran to the end, 72 s after the SIGTERM)."""
    server = emulator_factory(_world(), {"github": {"latency_ms": 200}})
    engine = tracked(database_url, [r["url"] for r in _world()["repos"]], Clock.real())
    env = cli_environment(server, database_url)
    scan = start_cli(env, "scan", "--all", ignore_sigint=sigint == "ignored")
    _wait_for_running_scans(engine, scan)
    scan.send_signal(signal.SIGTERM)
    _, err = scan.communicate(timeout=120)
    assert scan.returncode == 130, err[-2000:]  # as Ctrl-C ends it
    assert "Traceback" not in err
    assert _held(engine) == (0, 0), "every claim given back, no running-scan entry left behind"
    engine.dispose()
