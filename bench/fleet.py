"""Fleet scaling on one PostgreSQL: N worker processes against one process, on the same world.

    .venv/bin/python bench/fleet.py [--repos 2000] [--processes 1,2] [--workers 64] [--rounds 1]
                                    [--profile DIR]

For each process count, a fresh database on one throwaway PostgreSQL server is given the world's
repositories, then that many `distscout serve --workers-only --exit-when-idle` processes (what a fleet's
machines run) scan it through the emulator (its own process, no latency, unlimited budgets) until nothing is
due. Printed: wall seconds and repos/s per count, every repository scanned exactly once, and the ratio of
each count's rate to one process's (target for 2 processes on this 2-core machine: ≥ 1.6×). Each rate is
printed twice: to the processes' exit, and to the last scan stored. The difference is the daemon's work
once nothing is due: one process runs the settled cycle's integrity check over the whole fleet (about
1.2 ms a repository; it does not scale with the processes, by design: one check a cycle, fleet-wide),
the others exit. A daemon scanning on its cadence runs that check once a cycle, not once a scan. The emulator
and the PostgreSQL server share the machine's cores with the workers, as they would not in a real fleet:
each run also prints how busy the machine's cores were (from /proc/stat), the CPU a repository cost the
worker processes, the emulator and PostgreSQL, and the rate every core busy at that cost would give — the
ceiling: with the cores busy throughout, more processes cannot go faster here, whatever the claim protocol
does.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from bench.emulated import busy_ticks, cpu_seconds, emulator_process, server_cpu_seconds
from bench.pipeline import postgres_database
from bench.worlds import write_world
from distscout.repos import parse_repo_ref
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos
from distscout.store.schema import scan_runs

ROOT = Path(__file__).resolve().parents[1]


def environment(urls: dict[str, str], url: str, workers: int) -> dict[str, str]:
    chosen = {k: v for k, v in urls.items() if k.startswith("DISTSCOUT_")}
    return (
        os.environ
        | chosen
        | {
            "DISTSCOUT_DATABASE_URL": url,
            "DISTSCOUT_GITHUB_TOKEN": "bench-token",
            "DISTSCOUT_POLITE_EMAIL": "bench@distscout.example",
            "DISTSCOUT_START_INTERVAL": "0",
            "DISTSCOUT_WORKERS": str(workers),
            "DISTSCOUT_PACE_BY_BUDGET": "false",
            "DISTSCOUT_GITHUB_SECONDARY_LIMIT": "false",  # the emulator runs unlimited
            "DISTSCOUT_CONFIG": os.devnull,
        }
    )


def run(
    urls: dict[str, str],
    database: tuple[str, int],
    repos: int,
    processes: int,
    workers: int,
    *,
    profile: Path | None = None,
) -> tuple[float, float, set[int], float]:
    """Seconds until every process exited, and until the last scan was stored; the scans-per-repository
    counts seen; the share of the machine's cores that were busy. `database`: its URL and its server's process
    id (PostgreSQL's CPU is counted from it). With `profile`, each process writes its
    cProfile statistics (every thread's) there, as `N-processes-I.prof`."""
    url, postmaster = database
    engine = open_engine(url)
    with engine.begin() as connection:
        refs = [parse_repo_ref(f"org{i % 97}/repo-{i:05}") for i in range(repos)]
        add_repos(connection, refs, datetime.now(UTC))
    command = [
        str(Path(sys.executable).with_name("distscout")),
        "serve",
        "--workers-only",
        "--exit-when-idle",
    ]
    env = environment(urls, url, workers)
    ticks, children = busy_ticks(), resource.getrusage(resource.RUSAGE_CHILDREN)
    emulator, postgres = cpu_seconds(urls["EMULATOR_PID"]), server_cpu_seconds(postmaster)
    started, wall_start = time.perf_counter(), datetime.now(UTC)
    # Each process's log goes to a file: a pipe read only after the first process exits filled up (a line
    # a scan; 64 KiB) and blocked the second process mid-write while it held its claims, and the first
    # waited for those claims forever (6,000 repositories, 2 processes).
    logs = [tempfile.TemporaryFile(mode="w+") for _ in range(processes)]  # noqa: SIM115 - closed below
    if profile is not None:  # the same command under bench/profiled.py, a profile file each
        command = [sys.executable, str(ROOT / "bench" / "profiled.py"), *command[1:]]
    running = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env
            if profile is None
            else env | {"DISTSCOUT_PROFILE": str(profile / f"{processes}-{i}.prof")},
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        for i, log in enumerate(logs)
    ]
    for process, log in zip(running, logs, strict=True):
        process.wait(timeout=3600)
        log.seek(0)
        err = log.read()
        log.close()
        if process.returncode != 0:
            raise SystemExit(f"a worker failed ({process.returncode}): {err[-1500:]}")
    elapsed = time.perf_counter() - started
    busy, total, stolen = (after - before for after, before in zip(busy_ticks(), ticks, strict=True))
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = now.ru_utime + now.ru_stime - children.ru_utime - children.ru_stime
    share = busy / max(1, total)
    time.sleep(0.5)  # the closed connections' backends exit, and their CPU reaches the postmaster's count
    print(
        f"  cores busy {share:.0%} of {os.cpu_count()} (stolen by the hypervisor "
        f"{stolen / max(1, total):.0%}); CPU a repository: worker processes "
        f"{workers_cpu / repos * 1000:.2f} ms, emulator "
        f"{(cpu_seconds(urls['EMULATOR_PID']) - emulator) / repos * 1000:.2f} ms, PostgreSQL "
        f"{(server_cpu_seconds(postmaster) - postgres) / repos * 1000:.2f} ms; "
        f"with every core busy at this cost: {repos / elapsed / max(share, 1e-9):.0f} repos/s",
        flush=True,
    )
    with engine.connect() as connection:
        counts = connection.execute(select(func.count()).select_from(scan_runs).group_by(scan_runs.c.repo_id))
        per_repo = set(counts.scalars())
        scanned = connection.execute(select(func.count(scan_runs.c.repo_id.distinct()))).scalar_one()
        last = connection.execute(select(func.max(scan_runs.c.finished_at))).scalar_one()
    engine.dispose()
    if scanned != repos:
        raise SystemExit(f"{scanned} of {repos} repositories scanned")
    stored_by = (last.replace(tzinfo=last.tzinfo or UTC) - wall_start).total_seconds()
    return elapsed, stored_by, per_repo, share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=2000)
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=1, help="run the counts this many times, interleaved; the best of each"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="a directory: each process's profile, the emulator's too (bench/profiled.py)",
    )
    options = parser.parse_args()
    counts = [int(n) for n in options.processes.split(",")] * options.rounds  # interleaved: 1, 2, 1, 2
    rates: dict[int, float] = {}  # the best round of each count
    scan_rates: dict[int, float] = {}  # the same, to the last scan stored (without the settled check)
    ceilings: dict[int, float] = {}  # repos/s with every core busy, at the CPU a repository measured
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        world = write_world(scratch / "world", options.repos)
        emulator_profile = None if options.profile is None else options.profile / "emulator.prof"
        with emulator_process(world, profile=emulator_profile) as urls:
            for processes in counts:
                with postgres_database() as (url, postmaster):
                    elapsed, stored_by, per_repo, share = run(
                        urls,
                        (url, postmaster),
                        options.repos,
                        processes,
                        options.workers,
                        profile=options.profile,
                    )
                rate = options.repos / elapsed
                scan_rates[processes] = max(scan_rates.get(processes, 0.0), options.repos / stored_by)
                if rate > rates.get(processes, 0.0):
                    rates[processes], ceilings[processes] = rate, rate / max(share, 1e-9)
                print(
                    f"[postgresql] {processes} process{'es' if processes > 1 else ''} × {options.workers} "
                    f"workers: {options.repos:,} repos in {elapsed:.1f} s = {rate:.0f} repos/s; the last "
                    f"scan stored after {stored_by:.1f} s = {options.repos / stored_by:.0f} repos/s; "
                    f"scans per repository {sorted(per_repo)}",
                    flush=True,
                )
    if 1 in rates:
        for processes, rate in rates.items():
            if processes > 1:
                print(
                    f"{processes} processes / 1 process (best rounds): {rate / rates[1]:.2f}x (at most "
                    f"{ceilings[processes] / rates[1]:.2f}x on this machine: its cores all busy at the "
                    f"{processes}-process cost a repository, emulator and database included); "
                    f"to the last scan stored: {scan_rates[processes] / scan_rates[1]:.2f}x"
                )


if __name__ == "__main__":
    main()
