"""The wheel and sdist that `python -m build` makes install into a clean venv and run without the checkout.

Offline: the build runs without isolation (hatchling is a locked test tool), and uv installs the
distribution's dependencies from its cache only (`--offline`), held to the locked versions, which `uv sync`
has just put there. The commands run in an empty directory with a clean environment, so nothing of the
checkout (its sources, bench/, the shared corpus, the developer's settings) can stand in for the package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stderr[-3000:]}"
    return result.stdout


def _clean_env(home: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    # A home of its own: no config file, database or output of the developer's is read or written.
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"))
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    # build makes the sdist first and the wheel from the unpacked sdist: the sdist is proven whole too.
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=out)
    (wheel,) = out.glob("distscout-*.whl")
    (sdist,) = out.glob("distscout-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


@pytest.fixture(scope="module")
def uv_cache() -> str:
    return _run([BIN / "uv", "cache", "dir"], cwd=ROOT).strip()


def _install(wheel: Path, uv_cache: str, where: Path) -> Path:
    """A venv with the locked runtime dependencies, then the wheel, then a check that they meet its needs."""
    venv = where / "venv"
    env = _clean_env(where) | {"UV_CACHE_DIR": uv_cache, "UV_PROJECT_ENVIRONMENT": str(venv)}
    # uv pip cannot resolve offline (no index page is cached), so the locked dependencies come in through
    # the lock, the wheel after them, and `uv pip check` holds the wheel's metadata to what is there.
    sync = ["sync", "--frozen", "--offline", "--no-install-project", "--python", sys.executable]
    _run([BIN / "uv", *sync, "--project", ROOT], cwd=where, env=env)
    pip = [BIN / "uv", "pip"]
    python = venv / "bin" / "python"
    _run([*pip, "install", "--offline", "--no-deps", "--python", python, wheel], cwd=where, env=env)
    _run([*pip, "check", "--python", python], cwd=where, env=env)
    return venv


def test_the_built_wheel_runs_without_the_checkout(
    dists: dict[str, Path], uv_cache: str, tmp_path: Path
) -> None:
    # `python -m build` made the wheel from the sdist, so this is also what installing the sdist gives.
    venv = _install(dists["wheel"], uv_cache, tmp_path)
    distscout = venv / "bin" / "distscout"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(elsewhere)

    where_from = _run([venv / "bin" / "python", "-c", "import distscout; print(distscout.__file__)"],
                      cwd=elsewhere, env=env)  # fmt: skip
    assert Path(where_from.strip()).is_relative_to(venv), where_from

    assert "Usage" in _run([distscout, "--help"], cwd=elsewhere, env=env)

    demo = _run([distscout, "demo", "--database-file", elsewhere / "demo.db"], cwd=elsewhere, env=env)
    assert "orphan manifests" in demo and "re-claimed first" in demo, demo[-2000:]

    checkout = elsewhere / "checkout"
    (checkout / "lib").mkdir(parents=True)
    (checkout / "package.json").write_text(json.dumps({"name": "@acme/widget", "version": "1.0.0"}))
    (checkout / "lib" / "Cargo.toml").write_text('[package]\nname = "widget-core"\npublish = false\n')
    found = json.loads(_run([distscout, "manifests", checkout, "--json"], cwd=elsewhere, env=env))
    assert {(m["path"], m["name"], m["intent"]) for m in found} == {
        ("package.json", "@acme/widget", True),
        ("lib/Cargo.toml", "widget-core", False),
    }


def test_the_wheel_holds_the_package_data_and_nothing_of_the_checkout(dists: dict[str, Path]) -> None:
    names = zipfile.ZipFile(dists["wheel"]).namelist()
    for data in ("distscout/demo/world/world.json", "distscout/demo/faults.json", "distscout/emulator/"):
        assert any(name.startswith(data) for name in names), data
    assert any(name.startswith("distscout/store/migrations/") for name in names)
    assert any(name.startswith("distscout/web/templates/") for name in names)
    # The benchmarks and the tests are the checkout's, not an installed top-level package of anyone's.
    assert not [name for name in names if name.startswith(("bench/", "tests/"))]


def test_the_sdist_carries_the_lock_and_the_tests(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"uv.lock", "pyproject.toml", "README.md", "scripts/test", "tests/conftest.py"} <= names
    assert not [name for name in names if name.startswith((".venv/", ".tools/"))]
