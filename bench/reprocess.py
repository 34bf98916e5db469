"""Reprocess benchmark: rebuild every repository's rows from its stored captures (no network).

    .venv/bin/python bench/reprocess.py [--repos 3000,10000,30000] [--backend sqlite|postgresql]

Scans a sample of a generated world through the emulator, replicates its captures to each `--repos` size in
turn (bodies are content-addressed, so only the capture rows multiply; one store grows), times a full
reprocess at each — what `integrity repair` does after a parser upgrade — and prints repos/second, and the
ratio of the largest size's rate to the smallest's: 1.0 when the cost per repository does not grow with the
fleet.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stamina
from sqlalchemy import Engine, func, insert, select, update

from bench.emulated import emulator_process, emulator_stats
from bench.pipeline import database, peak_mib, settings_for
from bench.worlds import write_world
from distscout.app import Application
from distscout.integrity.repair import reprocess
from distscout.repos import RepoRef, parse_repo_ref
from distscout.store.engine import open_engine
from distscout.store.repos import add_repos, list_repos
from distscout.store.schema import captures, repos

SAMPLE = 200


async def scan_sample(engine: Engine, urls: dict[str, str], url: str) -> None:
    settings = settings_for(urls, url, 16)
    with engine.begin() as connection:
        add_repos(
            connection, [parse_repo_ref(f"org{i % 97}/repo-{i:05}") for i in range(SAMPLE)], datetime.now(UTC)
        )
    with engine.connect() as connection:
        targets = list(list_repos(connection))
    app = Application(settings, engine)
    upstreams = app.upstreams()
    await app.batch(upstreams).run(targets)
    await upstreams.aclose()


def replicate(engine: Engine, count: int) -> None:
    """Copies of the sample's repositories, each with the sample's captures, until `count` repos exist."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        sample = connection.execute(select(repos.c.id).order_by(repos.c.id).limit(SAMPLE)).scalars().all()
        existing = connection.execute(select(func.count()).select_from(repos)).scalar_one()
        newest = connection.execute(select(func.max(repos.c.id))).scalar_one()
        rows = connection.execute(select(captures).where(captures.c.repo_id.in_(sample))).all()
        by_repo: dict[int, list[dict[str, object]]] = {}
        for row in rows:
            values = {k: v for k, v in row._mapping.items() if k not in ("id", "repo_id")}
            by_repo.setdefault(row.repo_id, []).append(values)
        add_repos(
            connection,
            [RepoRef("github.com", f"copy{i // 500}", f"r{i}") for i in range(existing, count)],
            now,
        )
        copies = connection.execute(select(repos.c.id).where(repos.c.id > newest)).scalars().all()
        batch: list[dict[str, object]] = []
        for index, repo_id in enumerate(copies):
            batch += [
                {**values, "repo_id": repo_id} for values in by_repo.get(sample[index % len(sample)], [])
            ]
            if len(batch) > 5000:
                connection.execute(insert(captures), batch)
                batch = []
        if batch:
            connection.execute(insert(captures), batch)
        connection.execute(update(repos).values(distribution_last_run=now, distribution_scan_complete=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repos", default="3000,10000,30000", help="fleet sizes, comma-separated, growing")
    parser.add_argument("--backend", default="sqlite")
    options = parser.parse_args()
    sizes = sorted(int(size) for size in options.repos.split(","))
    stamina.set_active(False)
    rates: list[float] = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        world = write_world(scratch / "world", SAMPLE)
        with emulator_process(world) as urls, database(options.backend, scratch) as url:
            engine = open_engine(url)
            asyncio.run(scan_sample(engine, urls, url))
            for size in sizes:
                replicate(engine, size)
                with engine.connect() as connection:
                    names = [f"{o}/{n}" for o, n in connection.execute(select(repos.c.owner, repos.c.name))]
                emulator_stats(urls, reset=True)
                started = time.perf_counter()
                rebuilt = reprocess(engine, names, scratch / "outputs", datetime.now(UTC))
                elapsed = time.perf_counter() - started
                requests = sum(v["requests"] for v in emulator_stats(urls).values())
                rates.append(len(rebuilt) / elapsed)
                print(
                    f"[{options.backend}] reprocessed {len(rebuilt):,} repositories from captures in "
                    f"{elapsed:.1f} s: {rates[-1]:,.0f} repos/s; upstream requests during reprocess: "
                    f"{requests}; peak RSS {peak_mib():.0f} MiB",
                    flush=True,
                )
    if len(rates) > 1:
        print(f"[{options.backend}] rate at {sizes[-1]:,} / rate at {sizes[0]:,}: {rates[-1] / rates[0]:.2f}")


if __name__ == "__main__":
    main()
