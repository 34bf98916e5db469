"""Start-up time of each CLI command: wall and CPU, median of several runs, each in a fresh process.

    .venv/bin/python bench/startup.py [--repeat 7] [--bytecode cached|none]

Every command runs as `python -m distscout.cli …`-style subprocess of the venv's interpreter, on an empty
SQLite database in a temporary directory (so `stats` and `repos list` open, migrate and read a database).
`--bytecode cached` (the default) keeps compiled bytecode in a temporary PYTHONPYCACHEPREFIX, warmed by one
untimed run, as an installed distscout has it; `--bytecode none` compiles every module on every run
(PYTHONDONTWRITEBYTECODE, as some CI machines and containers run).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = (
    ("--help",),
    ("--version",),
    ("stats", "--help"),
    ("stats",),
    ("stats", "--orphans"),
    ("repos", "list"),
    ("manifests", "--help"),
    ("scan", "--help"),
    ("export", "--format", "csv", "--table", "repos"),
    ("config", "show"),
)
_RUN = "import sys; from distscout.cli import main; sys.argv[0] = 'distscout'; main()"


def _once(args: tuple[str, ...], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `distscout ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2) or "Traceback" in done.stderr:
        raise SystemExit(f"distscout {' '.join(args)} failed: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--bytecode", choices=("cached", "none"), default="cached")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="distscout-startup-") as scratch:
        env = dict(os.environ)
        env["DISTSCOUT_DATABASE_URL"] = f"sqlite:///{Path(scratch) / 'startup.db'}"
        env["DISTSCOUT_CONFIG"] = os.devnull
        env["COLUMNS"] = "100"
        if options.bytecode == "cached":
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "pycache")
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        for args in COMMANDS:  # warm: bytecode compiled, the database created and migrated
            _once(args, env)
        print(f"{'command':44} {'wall (median)':>14} {'CPU (median)':>13}   bytecode: {options.bytecode}")
        for args in COMMANDS:
            runs = [_once(args, env) for _ in range(options.repeat)]
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(f"{'distscout ' + ' '.join(args):44} {wall:>12.3f} s {cpu:>11.3f} s")


if __name__ == "__main__":
    main()
