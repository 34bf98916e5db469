"""The deployment files (`deploy/`) hold what distscout accepts: their commands parse, their settings exist.

No container runtime on the machines this runs on, so what is checked is what can be checked offline: the
CLI parses every command the compose file, the Containerfile and the systemd unit run; every `DISTSCOUT_`
variable they set is a setting, and the settings they give validate; systemd finds nothing to warn about
in the unit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from distscout.cli import app
from distscout.config import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
PREFIX = "DISTSCOUT_"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def distscout_services() -> dict[str, dict[str, Any]]:
    """The services built from this checkout (the others are images: PostgreSQL)."""
    return {name: service for name, service in compose()["services"].items() if "build" in service}


def parses(arguments: list[str]) -> None:
    """The CLI accepts `arguments` (with --help after them: parsed, checked, nothing run)."""
    result = CliRunner().invoke(app, [*arguments, "--help"])
    assert result.exit_code == 0, f"distscout {' '.join(arguments)}: {result.output}"


def settings_of(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a process with only `environment` reads them (compose's `${X}` given as unset)."""
    for key in [key for key in os.environ if key.startswith(PREFIX) and key != "DISTSCOUT_CONFIG"]:
        monkeypatch.delenv(key)  # (DISTSCOUT_CONFIG stays: the tests' own, that no user's file is read)
    given = {
        key: re.sub(r"\$\{[A-Z_]+(?::-([^}]*))?\}", r"\1", str(value)) for key, value in environment.items()
    }
    unknown = {key for key in given if key.startswith(PREFIX)} - {
        PREFIX + name.upper() for name in Settings.model_fields
    }
    assert not unknown, f"not settings: {sorted(unknown)}"
    for key, value in given.items():
        if value:
            monkeypatch.setenv(key, value)
    return Settings()


def test_the_compose_services_run_commands_and_settings_distscout_accepts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = distscout_services()
    assert {"worker-1", "worker-2", "web"} <= set(services)
    for name, service in services.items():
        parses(service["command"])
        settings = settings_of(service["environment"], monkeypatch)
        assert settings.database_url.startswith("postgresql://"), name
    web = settings_of(services["web"]["environment"], monkeypatch)
    assert web.allowed_hosts == ("localhost", "127.0.0.1")
    published = services["web"]["ports"][0].rsplit(":", 1)[-1]
    assert int(published) == Settings().port, "the web listens where the port is published"


def test_the_compose_file_uses_no_default_podman_compose_leaves_unexpanded() -> None:
    """podman-compose 1.0 (Debian 12's) passes `${VAR:-}` on as written: the workers then sent the text
    `${GITHUB_TOKENS:-}` to GitHub as their token (seen running this file with it)."""
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    uncommented = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert not re.search(r"\$\{\w+:-\}", uncommented)


def test_the_containerfile_installs_from_the_lock_and_runs_a_worker() -> None:
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    assert re.search(r"uv sync --locked\b", text), "installs exactly the lock file"
    assert re.search(r"uv sync .*--compile-bytecode\b", text), "compiled: its user cannot write bytecode"
    script = Path(__file__).resolve().parents[1] / "scripts" / "uv"
    assert script.is_file() and script.stat().st_mode & 0o111, "the pinned uv it runs"
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (.+)$", text, re.M).group(1))  # type: ignore[union-attr]
    command = json.loads(re.search(r"^CMD (.+)$", text, re.M).group(1))  # type: ignore[union-attr]
    assert entrypoint == ["distscout"]
    parses(command)


def test_the_systemd_unit_runs_a_worker_and_systemd_finds_nothing_to_warn_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = (DEPLOY / "distscout-worker.service").read_text(encoding="utf-8")
    start = re.search(r"^ExecStart=(\S+) (.+)$", unit, re.M)
    assert start is not None
    parses(start.group(2).split())
    documented = dict(re.findall(r"^#   (DISTSCOUT_[A-Z_]+)=(\S+)$", unit, re.M))
    assert set(documented) >= {"DISTSCOUT_DATABASE_URL", "DISTSCOUT_GITHUB_TOKENS_FILE"}
    tokens = tmp_path / "github-tokens"
    tokens.write_text("ghp_example\n", encoding="utf-8")
    tokens.chmod(0o600)
    settings = settings_of(documented | {"DISTSCOUT_GITHUB_TOKENS_FILE": str(tokens)}, monkeypatch)
    assert settings.database_url == documented["DISTSCOUT_DATABASE_URL"]
    analyze, program = shutil.which("systemd-analyze"), Path(sys.executable).with_name("distscout")
    if analyze is None or not program.is_file():
        pytest.skip("systemd-analyze, or the distscout script beside this interpreter, is not installed")
    # The unit as installed, but starting this checkout's distscout (systemd checks the program exists).
    local = tmp_path / "distscout-worker.service"
    local.write_text(unit.replace(start.group(1), str(program)))
    verified = subprocess.run([analyze, "verify", str(local)], capture_output=True, text=True, check=False)
    about_it = [line for line in verified.stderr.splitlines() if local.name in line]  # not other units'
    assert verified.returncode == 0 and about_it == [], verified.stderr
