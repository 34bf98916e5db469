"""The distscout command line: a thin layer over the library.

Every failure the user can cause ends in one clear line on stderr and a non-zero exit, never a traceback.

**Start-up.** `distscout --help` and the read commands start in a fraction of a second because a command
module imports, at module level, only the standard library, typer, rich and distscout's light modules
(`distscout.commands.common`, `.tables`, `distscout.repos`, `distscout.forges`, `distscout.ecosystems`).
Everything heavier — the settings (pydantic), the store (SQLAlchemy, Alembic), the upstream clients (httpx,
aiohttp), the scanner, the web server (FastAPI, uvicorn), the emulator — is imported inside the function
that uses it, each such import marked `# noqa: PLC0415 - lazy: …` (the one sanctioned exception to ruff's
rule), with the names that annotations need imported under `TYPE_CHECKING`. `tests/cli/test_startup.py`
holds it: `--help` loads none of those modules. `bench/startup.py` measures each command's start-up.
"""

from __future__ import annotations

import json
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from distscout import __version__
from distscout.commands import (
    admin,
    demo,
    doctor,
    emulator,
    export,
    integrity,
    repos,
    scan,
    serve,
    stats,
    tables,
)
from distscout.commands.common import LineConsole, WideOption, count

if TYPE_CHECKING:
    from distscout.manifests.checkout import CheckoutScan

app = typer.Typer(
    name="distscout",
    help="Where is each repository published, and how does it declare itself?",
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(
    emulator.emulator_app,
    name="emulator",
    help="Serve a world offline as deps.dev, ecosyste.ms, GitHub and GitLab.",
)
for _module in (repos, scan, stats, export, integrity, serve, admin, demo, doctor):
    _module.register(app)
_out = LineConsole(highlight=False)
_err = LineConsole(stderr=True, highlight=False)

EXIT_USAGE = 2


def fail(message: str, code: int = 1) -> typer.Exit:
    _err.print(f"error: {message}", markup=False)
    return typer.Exit(code)


@app.callback(invoke_without_command=True)
def _root(
    context: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    if version:
        _out.print(f"distscout {__version__}", markup=False)
        raise typer.Exit()
    if context.invoked_subcommand is None:  # no command: the help, as `distscout --help` shows it
        _out.print(context.get_help(), markup=False, highlight=False, end="")
        raise typer.Exit(EXIT_USAGE)


class Plan(StrEnum):
    """distscout.manifests.walk.WalkMode's values, without importing the manifest readers for `--help`."""

    BASELINE = "baseline"
    DEEP = "deep"


@app.command()
def manifests(
    path: Annotated[Path, typer.Argument(help="A local checkout of a repository.")],
    plan: Annotated[Plan, typer.Option(help="baseline: root + first-level dirs; deep: monorepos too.")] = (
        Plan.DEEP
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
    wide: WideOption = False,
) -> None:
    """Find and read every package manifest in a local checkout (nothing is executed)."""
    from distscout.manifests.checkout import CheckoutError, scan_checkout  # noqa: PLC0415 - lazy: start-up
    from distscout.manifests.walk import WalkMode  # noqa: PLC0415 - lazy: start-up

    try:
        scan = scan_checkout(path, WalkMode(plan.value))
    except CheckoutError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    if scan.special_files:  # on stderr in both modes: the JSON on stdout stays one array
        _err.print(f"note: {scan.special_files} special files (FIFOs, sockets, devices) skipped, not opened")
    if as_json:
        sys.stdout.write(json.dumps([d.as_dict() for d in scan.declarations], indent=2) + "\n")
        return
    _print_manifest_table(scan, wide)


MANIFEST_COLUMNS = (
    tables.key("path"),
    tables.short("type", drop=1),
    tables.key("name"),
    tables.text("intent"),
    tables.text("status", drop=1),
)


def _print_manifest_table(result: CheckoutScan, wide: bool) -> None:
    rows = [
        (
            d.path,
            d.manifest_type,
            d.name,
            f"{'yes' if d.intent else 'no'} ({d.intent_reason})",
            d.status.value + (f": {d.detail}" if d.detail else ""),
        )
        for d in result.declarations
    ]
    title = f"{count(len(rows), 'manifest')} ({result.plan.mode} plan)"
    tables.print_table(_out, title, MANIFEST_COLUMNS, rows, wide=wide, notes=_err)
    if result.plan.omitted:
        _err.print(f"note: {result.plan.omitted} manifests beyond the plan's bounds were not read")
    if result.listing_truncated:
        _err.print("note: the tree is larger than the listing bound; only part of it was planned")


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.raise_signal(signal.SIGINT)  # asyncio's own handler when it runs: the main task is cancelled
        return
    # Started with SIGINT ignored (`scan --all &` in a script): a raised SIGINT would go nowhere. Interrupt
    # from the event loop's next turn, between callbacks, not in the middle of whatever code the signal
    # landed in (a traceback, 1 run in 3): asyncio then cancels every task (the scans give their claims
    # back) and the command's KeyboardInterrupt handler says what was stored.
    import asyncio  # noqa: PLC0415 - lazy: start-up

    loop = asyncio.events._get_running_loop()  # the loop this (main) thread runs, if any
    if loop is None:
        raise KeyboardInterrupt
    loop.call_soon_threadsafe(_interrupt)


def _interrupt() -> None:
    raise KeyboardInterrupt  # asyncio lets it out of run_until_complete, then cancels what still runs


def main() -> None:
    # `kill`, `timeout`, systemd and container stops send SIGTERM: treat it as Ctrl-C, so claims are given
    # back and scans stop cleanly instead of dying mid-write (serve installs its own graceful handlers).
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        app()
    except KeyboardInterrupt:
        _err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the CLI contract: one line, never a traceback
        from distscout.store.outage import why  # noqa: PLC0415 - lazy: start-up

        # SQLAlchemy's messages run over several lines (the statement, a link): the first says what failed
        _err.print(f"error: unexpected {type(exc).__name__}: {why(exc)}", markup=False, soft_wrap=True)
        sys.exit(1)
