"""The distscout command line: a thin layer over the library.

Every failure the user can cause ends in one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Annotated

import stamina
import typer
from rich.console import Console
from rich.table import Table

from distscout import __version__
from distscout.commands import admin, demo, doctor, export, integrity, repos, scan, serve, stats
from distscout.emulator.cli import emulator_app
from distscout.manifests.checkout import CheckoutError, CheckoutScan, scan_checkout
from distscout.manifests.walk import WalkMode

app = typer.Typer(
    name="distscout",
    help="Where is each repository published, and how does it declare itself?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(
    emulator_app, name="emulator", help="Serve a world offline as deps.dev, ecosyste.ms and GitHub."
)
for _module in (repos, scan, stats, export, integrity, serve, admin, demo, doctor):
    _module.register(app)
_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)

EXIT_USAGE = 2


def fail(message: str, code: int = 1) -> typer.Exit:
    _err.print(f"error: {message}", markup=False)
    return typer.Exit(code)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        _out.print(__version__)
        raise typer.Exit()


@app.command()
def manifests(
    path: Annotated[Path, typer.Argument(help="A local checkout of a repository.")],
    plan: Annotated[
        WalkMode, typer.Option(help="baseline: root + first-level dirs; deep: monorepos too.")
    ] = (WalkMode.DEEP),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
) -> None:
    """Find and read every package manifest in a local checkout (nothing is executed)."""
    try:
        scan = scan_checkout(path, plan)
    except CheckoutError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    if scan.special_files:  # on stderr in both modes: the JSON on stdout stays one array
        _err.print(f"note: {scan.special_files} special files (FIFOs, sockets, devices) skipped, not opened")
    if as_json:
        sys.stdout.write(json.dumps([d.as_dict() for d in scan.declarations], indent=2) + "\n")
        return
    _print_manifest_table(scan)


def _print_manifest_table(result: CheckoutScan) -> None:
    table = Table(title=f"{len(result.declarations)} manifests ({result.plan.mode} plan)")
    for column in ("path", "type", "name", "intent", "status"):
        table.add_column(column)
    for d in result.declarations:
        intent = "yes" if d.intent else f"no ({d.intent_reason})"
        status = d.status.value + (f": {d.detail}" if d.detail else "")
        table.add_row(d.path, d.manifest_type, d.name or "-", intent, status)
    _out.print(table)
    if result.plan.omitted:
        _err.print(f"note: {result.plan.omitted} manifests beyond the plan's bounds were not read")
    if result.listing_truncated:
        _err.print("note: the tree is larger than the listing bound; only part of it was planned")


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    signal.raise_signal(signal.SIGINT)


def main() -> None:
    # Retries are reported through each call's outcome; stamina's own log lines would only be noise here.
    stamina.instrumentation.set_on_retry_hooks([])
    # `kill`, `timeout`, systemd and container stops send SIGTERM: treat it as Ctrl-C, so claims are given
    # back and scans stop cleanly instead of dying mid-write (serve installs its own graceful handlers).
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        app()
    except KeyboardInterrupt:
        _err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the CLI contract: one line, never a traceback
        _err.print(f"error: unexpected {type(exc).__name__}: {exc}", markup=False)
        sys.exit(1)
