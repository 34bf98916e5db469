"""Run the emulator as its own process (so it does not share the benchmark's interpreter and GIL)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def emulator_process(
    world: Path,
    *,
    faults: Path | None = None,
    unlimited: bool = True,
    hour_seconds: int = 3600,
    profile: Path | None = None,
) -> Iterator[dict[str, str]]:
    """Serve `world`; yields the DISTSCOUT_* URL settings printed by `distscout emulator serve`.
    `hour_seconds`: how long an hourly budget lasts (compressed time). `profile`: a file for the emulator's
    cProfile statistics (bench/profiled.py), written when it exits."""
    command = [sys.executable, "-m", "distscout.emulator", "serve", str(world), "--port", "0"]
    environment = None
    if profile is not None:
        command[1:3] = [str(Path(__file__).with_name("profiled.py")), "emulator"]
        environment = os.environ | {"DISTSCOUT_PROFILE": str(profile)}
    command += ["--hour-seconds", str(hour_seconds)]
    if unlimited:
        command.append("--unlimited")
    if faults is not None:
        command += ["--faults", str(faults)]
    # its log goes to a file: a pipe nobody reads would block the emulator once 64 KiB of warnings came
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=environment)
    try:
        urls: dict[str, str] = {}
        assert process.stdout is not None
        while len(urls) < 5:  # the emulator's own URL and its four services'
            line = process.stdout.readline()
            if not line:
                log.seek(0)
                raise RuntimeError(f"the emulator did not start: {log.read()[-2000:]}")
            key, _, value = shlex.split(line)[-1].partition("=")  # `export NAME=value`
            urls[key] = value
        _wait_until_serving(urls["DISTSCOUT_EMULATOR_URL"])
        urls["EMULATOR_PID"] = str(process.pid)  # for cpu_seconds(): the emulator's share of the machine
        yield urls
    finally:
        # SIGINT when profiled: uvicorn re-raises a SIGTERM once it has shut down, which ends the process
        # before the profiler's atexit hook writes the profile
        process.send_signal(signal.SIGINT if profile is not None else signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def _wait_until_serving(base: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/_emulator/stats", timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def cpu_seconds(pid: int | str) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """CPU time a server process and its children have used so far (Linux /proc): the live children's own,
    and the ones already ended that it waited for (PostgreSQL: the backends of closed connections)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            own_pid, _, rest = stat.read_text().partition(" (")
        except OSError:  # ended meanwhile
            continue
        fields = rest.rpartition(")")[2].split()
        if int(own_pid) == pid:
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == pid:  # ppid
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def busy_ticks() -> tuple[int, int, int]:
    """The machine's (busy, total, stolen) CPU ticks since boot, all cores (Linux /proc/stat). Stolen: time a
    virtual machine's cores were runnable but the hypervisor ran someone else (counted busy: no work of
    ours could run then)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    stolen = fields[7] if len(fields) > 7 else 0
    return sum(fields) - idle, sum(fields), stolen


def emulator_stats(urls: dict[str, str], reset: bool = False) -> dict[str, Any]:
    base = urls["DISTSCOUT_EMULATOR_URL"]
    if reset:
        urllib.request.urlopen(
            urllib.request.Request(base + "/_emulator/reset", method="POST"), timeout=10
        ).read()
        return {}
    with urllib.request.urlopen(base + "/_emulator/stats", timeout=10) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]
