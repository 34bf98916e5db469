"""A worker process for the multi-process tests: `python -m tests.store.worker_process MODE …`.

- `dispatch URL`: run a Dispatcher against the database until nothing is due (settings from the environment).
- `rotate-and-hang URL MARKER`: scan the first due repository, and hang inside the rotation transaction (after
  the current rows are deleted) after writing MARKER — so the parent can SIGKILL it there.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import stamina
from sqlalchemy import event

from distscout.config import load_settings
from distscout.store.engine import open_engine
from distscout.upstreams import build_upstreams
from distscout.worker.dispatcher import Dispatcher


async def dispatch(url: str) -> None:
    settings = load_settings(database_url=url, start_interval=0, workers=2, pace_by_budget=False)
    engine = open_engine(url, migrate=False)
    upstreams = build_upstreams(settings)
    try:
        stats = await Dispatcher(engine, upstreams, settings, idle_poll=0.05, exit_when_idle=True).run()
        print(f"finished {stats.finished} errors {stats.errors}", flush=True)
    finally:
        await upstreams.aclose()


async def rotate_and_hang(url: str, marker: str) -> None:
    settings = load_settings(database_url=url, start_interval=0, workers=1, pace_by_budget=False)
    engine = open_engine(url, migrate=False)

    @event.listens_for(engine, "after_execute")
    def hang_after_delete(conn: Any, clause: Any, *args: Any) -> None:
        if str(clause).startswith("DELETE FROM repo_distribution_manifest"):
            Path(marker).write_text("inside rotation")
            time.sleep(120)

    upstreams = build_upstreams(settings)
    await Dispatcher(engine, upstreams, settings, idle_poll=0.05, exit_when_idle=True).run()


if __name__ == "__main__":
    stamina.set_active(False)
    mode, url, *rest = sys.argv[1:]
    asyncio.run(dispatch(url) if mode == "dispatch" else rotate_and_hang(url, rest[0]))
