from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from distscout.emulator.cli import emulator_app
from distscout.emulator.server import EmulatorServer, bind_loopback
from tests.corpus import CORPUS
from tests.emulator.worlds import github, tiny_world

runner = CliRunner()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.org"])  # noqa: S104 - refused, never bound
def test_only_loopback_is_bound(host: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        EmulatorServer(tiny_world(), host=host)


def test_urls_and_clean_stop(tmp_path: Path) -> None:
    (tmp_path / "world.json").write_text(json.dumps(tiny_world()))
    server = EmulatorServer(str(tmp_path), host="localhost")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.url_for("github") == server.base_url + "/github"
        assert server.url_for("depsdev").endswith("/depsdev")
        assert server.url_for("ecosystems").endswith("/ecosystems")
        with pytest.raises(ValueError, match="unknown service"):
            server.url_for("bitbucket")
        with github(server) as api:
            assert api.get("/repos/acme/widget").status_code == 200
        base = server.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/_emulator/stats")


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(emulator_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_rejects_a_bad_world_in_one_line(tmp_path: Path) -> None:
    code, _, err = _invoke("serve", str(tmp_path / "missing"))
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    world = tiny_world()
    world["repos"][0]["releases"][0]["assets"] = "x.whl"
    (tmp_path / "world.json").write_text(json.dumps(world))
    code, _, err = _invoke("serve", str(tmp_path))
    assert code == 2
    assert err == "error: world.json: repos[0].releases[0].assets: expected a list of strings, got 'x.whl'\n"


def test_cli_rejects_a_bad_fault_plan(tmp_path: Path) -> None:
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"github": {"error_rate": 3}}))
    code, _, err = _invoke("serve", str(CORPUS / "world"), "--faults", str(plan))
    assert code == 2
    assert err.startswith("error: faults.json: github.error_rate: expected a number between 0 and 1")
    code, _, err = _invoke("serve", str(CORPUS / "world"), "--faults", str(tmp_path / "none.json"))
    assert (code, err.startswith("error: none.json: not readable JSON")) == (2, True)


def test_cli_reports_a_busy_port() -> None:
    with bind_loopback("127.0.0.1", 0) as taken:
        taken.listen()
        code, _, err = _invoke("serve", str(CORPUS / "world"), "--port", str(taken.getsockname()[1]))
    assert code == 2
    assert err.startswith("error: cannot listen on 127.0.0.1:")


def test_cli_serves_until_interrupted() -> None:
    command = [sys.executable, "-m", "distscout.emulator", "serve", str(CORPUS / "world"), "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        # `export NAME=value` lines a shell can eval (issue #19)
        words = [shlex.split(process.stdout.readline()) for _ in range(5)]
        assert all(word[0] == "export" and len(word) == 2 for word in words), words
        lines = dict(word[1].split("=", 1) for word in words)
        try:
            base = lines["DISTSCOUT_EMULATOR_URL"]
            assert base.startswith("http://127.0.0.1:")
            assert lines["DISTSCOUT_DEPSDEV_URL"] == base + "/depsdev"
            assert lines["DISTSCOUT_ECOSYSTEMS_URL"] == base + "/ecosystems"
            assert lines["DISTSCOUT_GITHUB_API_URL"] == base + "/github"
            answer = httpx.get(
                lines["DISTSCOUT_GITHUB_API_URL"] + "/repos/pallets/flask", headers={"User-Agent": "t"}
            )
            assert answer.json()["full_name"] == "pallets/flask"
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in err
