"""`distscout emulator serve WORLD_DIR`: serve a world on loopback until Ctrl-C.

The lead mounts this sub-app in distscout/cli.py with `app.add_typer(emulator_app, name="emulator")`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from distscout.emulator.app import PREFIXES, Emulator
from distscout.emulator.budget import Limits
from distscout.emulator.checks import FormatError
from distscout.emulator.faults import load_fault_plan
from distscout.emulator.server import base_url_of, bind_loopback, server_config
from distscout.emulator.world import load_world

_PLENTY = 10**12
UNLIMITED = Limits(
    github_token_per_hour=_PLENTY,
    github_anonymous_per_hour=_PLENTY,
    github_graphql_points_per_hour=_PLENTY,
    ecosystems_anonymous_per_hour=_PLENTY,
    ecosystems_polite_per_hour=_PLENTY,
    ecosystems_api_key_per_hour=_PLENTY,
    gitlab_token_per_minute=_PLENTY,
    gitlab_anonymous_per_minute=_PLENTY,
)

# The environment variables distscout's own settings read (distscout.config).
SETTING_NAMES = {
    "depsdev": "DISTSCOUT_DEPSDEV_URL",
    "ecosystems": "DISTSCOUT_ECOSYSTEMS_URL",
    "github": "DISTSCOUT_GITHUB_API_URL",
    "gitlab": "DISTSCOUT_GITLAB_API_URL",
}
API_PATHS = {"gitlab": "/api/v4"}  # below the service's prefix, where its API's base is

EXIT_USAGE = 2

emulator_app = typer.Typer(
    name="emulator",
    help="Serve deps.dev, ecosyste.ms, GitHub and GitLab from a world folder, on loopback.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@emulator_app.callback()
def _group() -> None:
    """Serve deps.dev, ecosyste.ms, GitHub and GitLab from a world folder, on loopback."""


@emulator_app.command()
def serve(
    world_dir: Annotated[Path, typer.Argument(help="A world folder (world.json and optional repos/).")],
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")] = 8765,
    faults: Annotated[
        Path | None, typer.Option(help="A fault plan (JSON), see distscout.emulator.faults.")
    ] = None,
    unlimited: Annotated[
        bool, typer.Option(help="No rate-limit budgets (benchmarks); requests are still counted.")
    ] = False,
) -> None:
    """Serve WORLD_DIR until Ctrl-C; print the URLs to point distscout at."""
    limits = UNLIMITED if unlimited else None
    try:
        emulator = Emulator(load_world(world_dir), load_fault_plan(faults), limits=limits)
    except FormatError as exc:
        _fail(str(exc))
    try:
        sock = bind_loopback("127.0.0.1", port)
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
    sock.listen(2048)  # before the URLs are printed: early connections wait in the backlog, never refused
    base = base_url_of(sock)
    typer.echo(f"DISTSCOUT_EMULATOR_URL={base}")
    for name, prefix in PREFIXES.items():
        typer.echo(f"{SETTING_NAMES[name]}={base}{prefix}{API_PATHS.get(name, '')}")
    typer.echo(f"serving {world_dir} ({len(emulator.world.repos)} repos); Ctrl-C to stop", err=True)
    # uvicorn re-raises Ctrl-C after a clean shutdown; here it is simply how serving ends.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(server_config(emulator.app)).run(sockets=[sock])


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)
