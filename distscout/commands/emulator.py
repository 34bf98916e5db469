"""`distscout emulator serve WORLD_DIR`: serve a world on loopback until Ctrl-C.

The lines on stdout are shell commands: `eval "$(distscout emulator serve WORLD | head -5)"` — or copy
them — points every distscout command of the shell at the emulator. The emulator itself (uvicorn, the
world, the fault plan) is imported when the command runs, not when the command line is parsed.
"""

from __future__ import annotations

import contextlib
import shlex
from pathlib import Path
from typing import Annotated

import typer

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
    hour_seconds: Annotated[
        int,
        typer.Option(
            min=36, max=3600, help="Seconds an hourly budget lasts (benchmarks compress time: 36 is 100x)."
        ),
    ] = 3600,
) -> None:
    """Serve WORLD_DIR until Ctrl-C; print `export VAR=value` lines (for the shell's eval) to point
    distscout at it."""
    from dataclasses import replace  # noqa: PLC0415 - lazy: start-up

    import uvicorn  # noqa: PLC0415 - lazy: start-up

    from distscout.emulator.app import PREFIXES, Emulator  # noqa: PLC0415 - lazy: start-up
    from distscout.emulator.budget import Limits  # noqa: PLC0415 - lazy: start-up
    from distscout.emulator.checks import FormatError  # noqa: PLC0415 - lazy: start-up
    from distscout.emulator.cli import API_PATHS, SETTING_NAMES, UNLIMITED  # noqa: PLC0415 - lazy: start-up
    from distscout.emulator.faults import load_fault_plan  # noqa: PLC0415 - lazy: start-up
    from distscout.emulator.server import base_url_of, bind_loopback, server_config  # noqa: PLC0415 - lazy
    from distscout.emulator.world import load_world  # noqa: PLC0415 - lazy: start-up

    limits = replace(UNLIMITED if unlimited else Limits(), hour_seconds=hour_seconds)
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
    typer.echo(export_line("DISTSCOUT_EMULATOR_URL", base))
    for name, prefix in PREFIXES.items():
        typer.echo(export_line(SETTING_NAMES[name], f"{base}{prefix}{API_PATHS.get(name, '')}"))
    typer.echo(f"serving {world_dir} ({len(emulator.world.repos)} repos); Ctrl-C to stop", err=True)
    # uvicorn re-raises Ctrl-C after a clean shutdown; here it is simply how serving ends.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(server_config(emulator.app)).run(sockets=[sock])


def export_line(name: str, value: str) -> str:
    """`export NAME=value`, the value quoted for a POSIX shell."""
    return f"export {name}={shlex.quote(value)}"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)
