"""Run distscout's CLI with every thread profiled (cProfile profiles only the thread that enabled it, and the
daemon's database work runs in threads); the merged statistics are written to $DISTSCOUT_PROFILE at exit.

    DISTSCOUT_PROFILE=/tmp/serve.prof python bench/profiled.py serve --workers-only --exit-when-idle
    python -c "import pstats; pstats.Stats('/tmp/serve.prof').sort_stats('tottime').print_stats(30)"
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_profiles: list[cProfile.Profile] = []


def _in_thread(*_: Any) -> None:
    profile = cProfile.Profile(time.thread_time)  # CPU of its own thread: not waits, nor other threads
    _profiles.append(profile)
    profile.enable()  # replaces this hook in the new thread


def _write(path: str | Path) -> None:
    stats: pstats.Stats | None = None
    for profile in _profiles:
        profile.disable()
        stats = pstats.Stats(profile) if stats is None else stats.add(profile)
    _profiles.clear()
    if stats is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # a directory named on the command line
        stats.dump_stats(path)


@contextmanager
def profiling(path: Path | None) -> Iterator[None]:
    """Profile this thread and every thread started meanwhile into `path` (None: nothing is profiled)."""
    if path is None:
        yield
        return
    threading.setprofile(_in_thread)
    _in_thread()
    try:
        yield
    finally:
        threading.setprofile(None)
        _write(path)


def main() -> None:
    from distscout.cli import main as cli  # imported after the profiler is set up

    threading.setprofile(_in_thread)
    atexit.register(_write, os.environ["DISTSCOUT_PROFILE"])
    _in_thread()
    sys.argv[0] = "distscout"
    cli()


if __name__ == "__main__":
    main()
