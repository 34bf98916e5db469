"""`distscout` commands run as real processes against the emulator: for kill, crash and chaos tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from distscout.emulator.server import EmulatorServer
from tests.sources.helpers import TEST_TOKEN

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from distscout.cli import main; sys.argv[0] = 'distscout'; main()"


def cli_environment(server: EmulatorServer, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a CLI process: the emulator's upstreams, a token, 0.5 s heartbeats, 4 workers;
    `settings` add or override DISTSCOUT_* values (`start_interval="0"` → DISTSCOUT_START_INTERVAL=0)."""
    values = {
        "DATABASE_URL": database_url,
        "DEPSDEV_URL": server.url_for("depsdev"),
        "ECOSYSTEMS_URL": server.url_for("ecosystems"),
        "GITHUB_API_URL": server.url_for("github"),
        "GITHUB_TOKEN": TEST_TOKEN,
        "POLITE_EMAIL": "tests@distscout.example",
        "HEARTBEAT_SECONDS": "0.5",
        "WORKERS": "4",
        **{name.upper(): value for name, value in settings.items()},
    }
    return (
        os.environ
        | {f"DISTSCOUT_{name}": value for name, value in values.items()}
        | {"PYTHONPATH": str(ROOT)}
    )


def start_cli(
    env: dict[str, str], *args: str, quiet: bool = False, ignore_sigint: bool = False
) -> subprocess.Popen[str]:
    """`distscout ARGS` as a process; `quiet` drops its output (a long-running worker's logs);
    `ignore_sigint`: started as a shell starts `command &` or nohup does, with SIGINT ignored."""
    output = subprocess.DEVNULL if quiet else subprocess.PIPE
    command = [sys.executable, "-c", CLI, *args]
    if ignore_sigint:  # an ignored signal stays ignored across exec, as the shell's `&` leaves it
        command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output, text=True)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
