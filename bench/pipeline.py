"""Collection pipeline benchmark: a generated world served by the emulator (its own process, no latency).

    .venv/bin/python bench/pipeline.py [--repos 10000] [--workers N] [--backends sqlite,postgresql]
                                       [--rounds N]

Prints, per backend: repositories/second end to end (every source, rotation included), upstream requests per
repository, the CPU per repository of the scanning process, of the emulator and of the rest of the machine
(the database server, mostly), the local cost per repository (interpretation, and rotation into the store
one scan at a time and in group commits of GROUP, timed apart from the network), and the peak resident
memory. `--workers` defaults to the setting's default (64). With `--rounds N` the backends run N times,
interleaved, and the ratio is printed per round.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stamina
from pydantic import SecretStr
from sqlalchemy import event, select

from bench.emulated import busy_ticks, cpu_seconds, emulator_process, emulator_stats
from bench.profiled import profiling
from bench.worlds import write_world
from distscout.app import Application
from distscout.config import Settings
from distscout.interpret import interpret
from distscout.repos import parse_repo_ref
from distscout.scanner import scan_repo
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos, iter_repos, list_repos
from distscout.store.rotation import record_scan, record_scans
from distscout.store.schema import repos
from distscout.upstreams import build_upstreams
from distscout.worker.runner import ScanReport

FINE = {"ok", "miss", "not_visible"}  # outcomes a complete scan may hold
STATEMENTS: Counter[str] = Counter()  # sent to the database during the end-to-end run, and commits
GROUP = 32  # scans per group commit in the local-cost figure (the writer's `most` at 64 workers)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def database(backend: str, scratch: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{scratch / f'bench-{time.monotonic_ns()}.db'}"
        return
    with postgres_database() as (url, _):
        yield url


@contextmanager
def postgres_database() -> Iterator[tuple[str, int]]:
    """A database on a throwaway PostgreSQL server of its own; its URL, and the server's process id."""
    from tests.databases import Cluster, PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found: apt-get install postgresql")
    cluster = Cluster(bindir)
    cluster.start()
    server = PostgresServer(url=cluster.url(), prefix="bench_")
    try:
        with server.database() as url:
            yield url, int((cluster.data / "postmaster.pid").read_text().split()[0])
    finally:
        server.close()
        cluster.stop()


def settings_for(urls: dict[str, str], database_url: str, workers: int | None) -> Settings:
    chosen: dict[str, Any] = {} if workers is None else {"workers": workers}  # unset: the backend's default
    return Settings(
        **chosen,
        database_url=database_url,
        depsdev_url=urls["DISTSCOUT_DEPSDEV_URL"],
        ecosystems_url=urls["DISTSCOUT_ECOSYSTEMS_URL"],
        github_api_url=urls["DISTSCOUT_GITHUB_API_URL"],
        gitlab_api_url=urls["DISTSCOUT_GITLAB_API_URL"],
        github_token=SecretStr("bench-token"),
        polite_email="bench@distscout.example",
        start_interval=0,
        github_secondary_limit=False,  # the emulator runs unlimited: measure our own capacity
    )


def resident_mib() -> float:
    """The process's resident memory now (Linux), as opposed to its peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def end_to_end(settings: Settings, count: int, every: int = 0) -> tuple[float, Counter[str]]:
    engine = open_engine(settings.database_url)
    with engine.begin() as connection:
        add_repos(
            connection, [parse_repo_ref(f"org{i % 97}/repo-{i:05}") for i in range(count)], datetime.now(UTC)
        )
    targets = iter_repos(engine)  # read a page at a time, as the daemon claims one at a time
    app = Application(settings, engine)
    upstreams = app.upstreams()  # as `scan` and `serve` build it
    verdicts: Counter[str] = Counter()

    def tally(report: ScanReport) -> None:
        verdicts[report.verdict.value if report.verdict else "lost"] += 1
        if report.verdict is not None and report.verdict.value != "complete":  # why: source and outcome
            verdicts.update(
                f"  {name} {outcome}" for name, outcome in report.outcomes.items() if outcome not in FINE
            )
        done = sum(n for verdict, n in verdicts.items() if not verdict.startswith(" "))
        if every and done % every == 0:  # memory over the run: flat in fleet size, or growing?
            print(
                f"  after {done:,} repos: RSS {resident_mib():.0f} MiB, "
                f"{sys.getallocatedblocks():,} Python blocks allocated",
                flush=True,
            )

    STATEMENTS.clear()
    event.listen(engine, "before_cursor_execute", lambda *_: STATEMENTS.update(["statements"]))
    event.listen(engine, "commit", lambda *_: STATEMENTS.update(["commits"]))
    started = time.perf_counter()
    batch = app.batch(upstreams, on_report=tally)
    batch.keep_reports = False  # a long batch that only counts
    await batch.run(targets)
    elapsed = time.perf_counter() - started
    await upstreams.aclose()
    with engine.connect() as connection:  # why scans were not complete: what each source said
        for owner, name, error in connection.execute(
            select(repos.c.owner, repos.c.name, repos.c.distribution_last_error)
            .where(repos.c.distribution_last_error.is_not(None))
            .limit(5)
        ):
            print(f"  {owner}/{name}: {error}", flush=True)
    engine.dispose()
    return elapsed, verdicts


async def local_cost(settings: Settings, sample: int) -> tuple[float, float, float]:
    """Milliseconds per repository for interpretation and for rotation, the network excluded."""
    upstreams = build_upstreams(settings)
    scans = [
        await scan_repo(upstreams, parse_repo_ref(f"org{i % 97}/repo-{i:05}"), settings)
        for i in range(sample)
    ]
    await upstreams.aclose()
    started = time.perf_counter()
    for scan in scans:
        interpret([c for r in scan.results.values() for c in r.captures], scan.current_ref.full_name)
    interpreting = (time.perf_counter() - started) / sample * 1000
    engine = open_engine(settings.database_url.replace("bench-", "local-"), pool_size=4)
    with engine.begin() as connection:
        add_repos(connection, [s.ref for s in scans], datetime.now(UTC))
    ids = {r.ref.key: r.id for r in list_repos(engine.connect())}
    started = time.perf_counter()
    for scan in scans[: sample // 2]:
        with engine.begin() as connection:
            record_scan(connection, ids[scan.ref.key], scan, datetime.now(UTC), timedelta(days=180))
    alone = (time.perf_counter() - started) / (sample // 2) * 1000
    grouped_scans = scans[sample // 2 :]
    started = time.perf_counter()
    for start in range(0, len(grouped_scans), GROUP):
        group = [(ids[s.ref.key], s) for s in grouped_scans[start : start + GROUP]]
        with engine.begin() as connection:
            record_scans(connection, group, datetime.now(UTC), timedelta(days=180))
    grouped = (time.perf_counter() - started) / len(grouped_scans) * 1000
    engine.dispose()
    return interpreting, alone, grouped


def measure(backend: str, urls: dict[str, str], scratch: Path, options: argparse.Namespace) -> float:
    """One end-to-end run on a fresh database of `backend`; prints its figures, returns repos/s."""
    with database(backend, scratch) as url:
        settings = settings_for(urls, url, options.workers)
        emulator_stats(urls, reset=True)
        ticks = busy_ticks()
        cpu_before = (time.process_time(), cpu_seconds(urls["EMULATOR_PID"]))
        profile = options.profile / f"{backend}.prof" if options.profile else None
        with profiling(profile):
            elapsed, verdicts = asyncio.run(end_to_end(settings, options.repos, options.memory_every))
        scanner = time.process_time() - cpu_before[0]
        emulator = cpu_seconds(urls["EMULATOR_PID"]) - cpu_before[1]
        busy = (busy_ticks()[0] - ticks[0]) / os.sysconf("SC_CLK_TCK")
        answered = emulator_stats(urls)
    per_repo = 1000 / options.repos
    calls = {k: v["requests"] / options.repos for k, v in answered.items()}
    points = answered.get("github", {}).get("graphql_points", 0) / options.repos
    rate = float(options.repos / elapsed)
    print(
        f"[{backend}] {options.repos:,} repos in {elapsed:.1f} s: {rate:,.0f} repos/s end to end "
        f"({settings.workers} workers); verdicts {dict(verdicts)}"
    )
    print(
        f"[{backend}] upstream requests per repo: "
        + ", ".join(f"{k} {v:.2f}" for k, v in calls.items())
        + f"; GitHub GraphQL points per repo {points:.3f}"
    )
    print(
        f"[{backend}] database per repo: {STATEMENTS['statements'] / options.repos:.2f} statements, "
        f"{STATEMENTS['commits'] / options.repos:.3f} commits"
    )
    # The rest of the machine's busy time is mostly the database server (none on SQLite): with the
    # emulator, it shares the cores with the scanner.
    print(
        f"[{backend}] CPU per repo: scanner {scanner * per_repo:.2f} ms, "
        f"emulator {emulator * per_repo:.2f} ms, "
        f"rest of the machine {max(busy - scanner - emulator, 0) * per_repo:.2f} ms; cores busy "
        f"{busy / elapsed / (os.cpu_count() or 1):.0%} (this machine has {os.cpu_count()} cores)",
        flush=True,
    )
    if sample := options.local_sample:  # 0: skipped
        with database(backend, scratch) as url:
            interpreting, alone, grouped = asyncio.run(local_cost(settings_for(urls, url, 1), sample))
        print(
            f"[{backend}] local cost per repo: interpret {interpreting:.2f} ms, "
            f"rotation {alone:.2f} ms one at a time, {grouped:.2f} ms in groups of {GROUP} "
            f"(sample of {sample})"
        )
    print(f"[{backend}] peak RSS {peak_mib():.0f} MiB", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--local-sample", type=int, default=500, help="0: skip the local cost sample")
    parser.add_argument("--memory-every", type=int, default=0, help="print memory after every N repos")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the backends this many times, interleaved; the best of each",
    )
    parser.add_argument(
        "--profile", type=Path, help="a directory: the scanning process's profile per backend (last round)"
    )
    options = parser.parse_args()
    stamina.set_active(False)
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        # Built in a child process, so the world's own size does not count in this process's peak memory.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            world = pool.apply(write_world, (scratch / "world", options.repos))
        with emulator_process(world) as urls:
            for _ in range(options.rounds):
                rounds.append(
                    {
                        backend: measure(backend, urls, scratch, options)
                        for backend in options.backends.split(",")
                    }
                )
    if not {"sqlite", "postgresql"} <= set(rounds[0]):
        return
    # The machine's speed drifts over minutes: a ratio within a round compares like with like.
    ratios = ", ".join(f"{r['postgresql'] / r['sqlite']:.2f}x" for r in rounds)
    best = {backend: max(r[backend] for r in rounds) for backend in ("sqlite", "postgresql")}
    print(
        f"PostgreSQL / SQLite end to end (same world): {ratios} by round; "
        f"{best['postgresql'] / best['sqlite']:.2f}x best against best"
    )


if __name__ == "__main__":
    main()
