"""Budget-paced throughput (issue #6): does the daemon use the rate limits it is given, and no more?

    .venv/bin/python bench/paced.py [--repos 5000] [--seconds 120] [--latency-ms 100] [--workers 64]
                                    [--tokens 1]

The emulator (its own process) serves a generated world with real budgets — GitHub 5,000 REST requests and
5,000 GraphQL points per hour per token, ecosyste.ms 15,000 per hour (polite) — and `latency-ms` added to
every answer. The daemon's dispatcher (`pace_by_budget`, the default) scans for `seconds`, then drains.

Printed, for the steady state after `--warmup` seconds (a fresh process starts at `start_interval` until the
upstreams' headers tell the pacer their budgets, and its first bursts meet every owner for the first time):
scans finished and their rate; what each budget was charged per scan; the rate each budget allows at that
cost (its hourly limit / 3,600 / cost per scan), the binding one, and the achieved share of it.
Target: ≥ 90 % of what the budgets allow. `--tokens N` gives the daemon a pool of N GitHub tokens: GitHub's
budgets are N times as large (ecosyste.ms' is not, and may then bind).

`--hour-seconds H` compresses the emulator's budget windows (an hour's budget every H seconds), so a large
fleet's hours run in minutes: the pacer reads the resets from the answers and keeps pace. Then printed too:
the projected hours of a first pass over the whole world at the real budgets, per token count (from the
measured cost per scan of each budget: the binding budget's hours), resident memory every `--memory-every`
scans (flat, or growing with the fleet?), and the database's size per repository at the end.

`--ecosystems-key` gives the daemon ecosyste.ms' key tier (100,000 an hour), so that GitHub's budgets bind
and `--tokens 1` against `--tokens 3` measures what a pool of tokens buys.

Benchmarks are not tests: this runs outside CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from bench.emulated import emulator_process, emulator_stats
from bench.pipeline import peak_mib, resident_mib, settings_for
from bench.worlds import write_world
from distscout.app import Application
from distscout.repos import parse_repo_ref
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos
from distscout.worker.dispatcher import DispatcherStats
from distscout.worker.runner import ScanReport

HOURLY = {"github REST": 5000, "github GraphQL": 5000, "ecosyste.ms": 15000}


@dataclass
class Window:
    """Scans finished and upstream stats at the end of the warm-up and at the end of the run."""

    scans: list[int] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)


async def run_daemon(
    urls: dict[str, str], database_url: str, options: argparse.Namespace
) -> tuple[DispatcherStats, Window]:
    pool = tuple(SecretStr(f"bench-token-{i}") for i in range(options.tokens))
    settings = settings_for(urls, database_url, options.workers).model_copy(
        update={
            "start_interval": 0.5,
            "github_token": None,
            "github_tokens": pool,
            # Real budgets here, GitHub's secondary limit included (unless time is compressed: the
            # client's minute is a real one).
            "github_secondary_limit": options.hour_seconds == 3600,
            "ecosystems_api_key": SecretStr("bench-key") if options.ecosystems_key else None,
        }
    )
    engine = open_engine(database_url)
    app = Application(settings, engine)
    upstreams = app.upstreams()
    dispatcher = app.dispatcher(upstreams, idle_poll=0.5)
    window = Window()

    def tally(report: ScanReport) -> None:
        if options.memory_every and dispatcher.stats.finished % options.memory_every == 0:
            print(f"  after {dispatcher.stats.finished:,} scans: RSS {resident_mib():.0f} MiB", flush=True)

    dispatcher.on_report = tally

    async def mark() -> None:
        stats = await asyncio.to_thread(emulator_stats, urls)
        window.scans.append(dispatcher.stats.finished)
        window.stats.append(stats)
        window.times.append(time.perf_counter())

    async def watch() -> None:
        await asyncio.sleep(options.warmup)
        await mark()
        await asyncio.sleep(options.seconds - options.warmup)
        await mark()
        dispatcher.stop()

    watcher = asyncio.create_task(watch())
    try:
        return await dispatcher.run(), window
    finally:
        await watcher
        await upstreams.aclose()
        engine.dispose()


def hourly_of(options: argparse.Namespace, tokens: int) -> dict[str, int]:
    """Each budget an hour with `tokens` GitHub tokens (GitHub's grow with them, ecosyste.ms' does not; with
    a key it is its key tier's)."""
    one = HOURLY | ({"ecosyste.ms": 100_000} if options.ecosystems_key else {})
    return {budget: limit * (tokens if budget.startswith("github") else 1) for budget, limit in one.items()}


def charged(stats: dict[str, dict[str, int]]) -> dict[str, float]:
    github = stats.get("github", {})
    points = github.get("graphql_points", 0)
    return {
        "github REST": github.get("rate_limit_cost", 0) - points,
        "github GraphQL": points,
        "ecosyste.ms": stats.get("ecosystems", {}).get("rate_limit_cost", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--warmup", type=float, default=120.0)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--tokens", type=int, default=1, help="GitHub tokens in the pool")
    parser.add_argument("--hour-seconds", type=int, default=3600, help="compressed budget windows")
    parser.add_argument("--memory-every", type=int, default=0, help="print RSS after every N scans")
    parser.add_argument(
        "--ecosystems-key", action="store_true", help="ecosyste.ms' key tier (100,000 an hour): GitHub binds"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        world = write_world(scratch / "world", options.repos)
        faults = scratch / "faults.json"
        latency = {"latency_ms": options.latency_ms}
        faults.write_text(json.dumps({"depsdev": latency, "ecosystems": latency, "github": latency}))
        database_url = f"sqlite:///{scratch / 'paced.db'}"
        engine = open_engine(database_url)
        with engine.begin() as connection:
            refs = [parse_repo_ref(f"org{i % 97}/repo-{i:05}") for i in range(options.repos)]
            add_repos(connection, refs, datetime.now(UTC))
        engine.dispose()
        with emulator_process(
            world, faults=faults, unlimited=False, hour_seconds=options.hour_seconds
        ) as urls:
            stats, window = asyncio.run(run_daemon(urls, database_url, options))
        size, scanned = (scratch / "paced.db").stat().st_size, max(1, stats.finished)
        print(
            f"database: {size / 2**20:,.0f} MiB for {options.repos:,} repositories, {stats.finished:,} "
            f"scanned ({size / scanned / 1024:.1f} KiB per scanned repository); "
            f"peak RSS {peak_mib():.0f} MiB"
        )
    spent = {k: v - charged(window.stats[0])[k] for k, v in charged(window.stats[1]).items()}
    report(stats, window.scans[1] - window.scans[0], window.times[1] - window.times[0], spent, options)


def report(
    stats: DispatcherStats, scans: int, elapsed: float, spent: dict[str, float], options: argparse.Namespace
) -> None:
    done = max(scans, 1)
    rate = scans / elapsed
    print(
        f"{stats.finished:,} scans in all ({options.latency_ms} ms latency, {options.workers} workers, "
        f"{options.tokens} GitHub token{'s' if options.tokens > 1 else ''}, "
        f"verdicts {stats.verdicts}); after {options.warmup:g} s of warm-up: {scans:,} scans in "
        f"{elapsed:.1f} s = {rate:.2f} repos/s"
    )
    allowed: dict[str, float] = {}
    for budget, limit in hourly_of(options, options.tokens).items():
        cost = spent[budget] / done
        allowed[budget] = limit / options.hour_seconds / cost if cost > 0 else float("inf")
        shown = f"{allowed[budget]:.2f} repos/s" if cost > 0 else "unbounded"
        print(f"  {budget:<15} {spent[budget]:>8,.0f} charged, {cost:.3f} per scan: allows {shown}")
    binding = min(allowed, key=lambda b: allowed[b])
    print(
        f"binding budget: {binding}, {allowed[binding]:.2f} repos/s allowed; achieved "
        f"{rate / allowed[binding]:.0%} of it (target ≥ 90 %)"
    )
    project(spent, done, options)


def project(spent: dict[str, float], scans: int, options: argparse.Namespace) -> None:
    """Hours of a first pass over the whole world at the real budgets, by token count: each budget's
    hours at the measured cost per scan; the longest binds (ecosyste.ms' budget does not grow with tokens)."""
    for tokens in (1, 2, 3, 5, 10):
        hours = {
            budget: options.repos * spent[budget] / scans / limit
            for budget, limit in hourly_of(options, tokens).items()
        }
        binding = max(hours, key=lambda b: hours[b])
        print(
            f"  projected first pass of {options.repos:,} repositories with {tokens} token(s): "
            f"{hours[binding]:.1f} h (bound by {binding}; "
            + ", ".join(f"{b} {h:.1f} h" for b, h in hours.items())
            + ")"
        )


if __name__ == "__main__":
    main()
