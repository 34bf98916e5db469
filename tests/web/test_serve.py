"""`distscout serve` as a process: the web alone (`--no-workers`), the web with workers against the
emulator, and a clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from distscout.emulator.server import EmulatorServer
from tests.cli.helpers import track
from tests.web.conftest import TOKEN

SERVE = [sys.executable, "-c", "from distscout.cli import main; main()", "serve", "--port", "0"]


@contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`distscout serve ARGS` in its own process; yields it and the line saying where it listens."""
    process = subprocess.Popen(
        [*SERVE, *args],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = _announced_url(process)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _announced_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        if re.search(r"web: http://127\.0\.0\.1:\d+/", line):
            return line
    raise AssertionError("serve never said where it listens")


def _base(announced: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+", announced)
    assert found is not None, announced
    return found.group(0)


def _stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return err


def test_web_only(web_db: str, tmp_path: Path) -> None:
    env = {"DISTSCOUT_DATABASE_URL": web_db, "DISTSCOUT_OUTPUT_DIR": str(tmp_path / "out")}
    with serving(env, "--no-workers") as (process, announced):
        assert "admin routes closed (no api_token); reads open" in announced
        base = _base(announced)
        assert httpx.get(f"{base}/api/stats").json()["total"] == 40
        assert httpx.get(f"{base}/api/workers").json()["workers_in_process"] is False
        assert httpx.post(f"{base}/api/admin/integrity").status_code == 503  # no token configured
        assert "Fleet" in httpx.get(f"{base}/").text
        process.send_signal(signal.SIGUSR1)  # a task dump, and the process carries on
        assert httpx.get(f"{base}/api/stats").json()["total"] == 40
        err = _stop(process, signal.SIGINT)
    assert err.rstrip().endswith("stopped")
    assert re.search(r"--- \d+ tasks, \d+ distinct waits ---", err), err[-2000:]


def test_web_and_workers_scan_and_stop_on_sigterm(corpus_emulator: EmulatorServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    track(url, "pallets/flask", "psf/requests", "synthetic/legacy-setup")
    env = {
        "DISTSCOUT_DATABASE_URL": url,
        "DISTSCOUT_OUTPUT_DIR": str(tmp_path / "out"),
        "DISTSCOUT_DEPSDEV_URL": corpus_emulator.url_for("depsdev"),
        "DISTSCOUT_ECOSYSTEMS_URL": corpus_emulator.url_for("ecosystems"),
        "DISTSCOUT_GITHUB_API_URL": corpus_emulator.url_for("github"),
        "DISTSCOUT_START_INTERVAL": "0",
        "DISTSCOUT_API_TOKEN": TOKEN,
        "DISTSCOUT_GITHUB_TOKENS": "ghp_serve_pool_a,ghp_serve_pool_b",  # a pool of two
    }
    with serving(env) as (process, announced):
        base = _base(announced)
        deadline = time.monotonic() + 60
        while (status := httpx.get(f"{base}/api/workers").json())["stats"]["finished"] < 3:
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["workers_in_process"] and {b["state"] for b in status["breakers"]} == {"closed"}
        github = [b for b in status["budgets"] if b["upstream"] in ("github", "github-graphql")]
        assert {b["token"][:2] for b in github} == {"#1", "#2"} and sum(b["requests"] for b in github) > 0
        shown = httpx.get(f"{base}/api/workers").text + httpx.get(f"{base}/metrics").text
        assert "ghp_serve_pool" not in shown, "tokens are shown by label only"
        scans = {
            sample.labels["outcome"]: sample.value
            for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text)
            for sample in family.samples
            if sample.name == "distscout_scans_total"
        }
        assert scans["complete"] == 3
        assert httpx.get(f"{base}/api/repos/pallets/flask").json()["state"]["scan_complete"] is True
        err = _stop(process, signal.SIGTERM)
    assert "stopped: 3 scans finished, 0 errors" in err


def test_bad_combinations_and_a_taken_port(web_db: str) -> None:
    env = {**os.environ, "DISTSCOUT_DATABASE_URL": web_db}
    both = subprocess.run(
        [*SERVE, "--no-workers", "--workers-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert both.returncode == 2 and "choose one of --workers-only, --no-workers" in both.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        command = [*SERVE[:-1], port, "--no-workers"]
        busy = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert busy.returncode == 1 and f"error: cannot listen on 127.0.0.1:{port}" in busy.stderr
    assert "Traceback" not in busy.stderr
