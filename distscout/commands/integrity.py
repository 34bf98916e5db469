"""`distscout integrity check|repair` and `distscout publish`: outputs derived from committed input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from distscout.commands import tables
from distscout.commands.common import (
    EXIT_USAGE,
    JsonOption,
    WideOption,
    database,
    emit_json,
    err,
    fail,
    out,
    settings,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from distscout.config import Settings
    from distscout.integrity.check import CheckReport

# distscout.integrity.check's statuses, spelled out so that parsing the command line needs no store
CLEAN, IN_PROGRESS = "clean", "in_progress"

integrity_app = typer.Typer(help="Find missing, stale or malformed outputs; repair them at the root cause.")
OutputDir = Annotated[
    Path | None, typer.Option(help="Where outputs are published (default: the output_dir setting).")
]


def register(app: typer.Typer) -> None:
    app.add_typer(integrity_app, name="integrity")
    app.command()(publish)


@integrity_app.command()
def check(as_json: JsonOption = False, output_dir: OutputDir = None, wide: WideOption = False) -> None:
    """Compare what exists with what should exist. Exit 0 when clean, 1 with findings, 3 while busy."""
    from distscout.integrity.check import run_check  # noqa: PLC0415 - lazy: start-up

    current = settings()
    with database(current) as engine:
        _reap(engine, current)
        report = run_check(engine, output_dir or current.output_dir, datetime.now(UTC))
    if as_json:
        emit_json(report.as_dict())
    else:
        _print_check(report, wide)
    raise typer.Exit(_exit_code(report))


@integrity_app.command()
def repair(
    only: Annotated[str | None, typer.Option(help="Only this action: recheck or reprocess.")] = None,
    as_json: JsonOption = False,
    output_dir: OutputDir = None,
    wide: WideOption = False,
) -> None:
    """Plan the recovery, carry it out, then say whether findings remain (exit 0: none left to act on)."""
    from distscout.integrity.repair import repair as run_repair  # noqa: PLC0415 - lazy: start-up

    if only not in (None, "recheck", "reprocess"):
        raise fail(f"--only takes recheck or reprocess, not {only!r}", EXIT_USAGE)
    from distscout.worker.heartbeat import ProcessHeartbeat  # noqa: PLC0415 - lazy: start-up

    current = settings()
    # Registered while it runs: killed mid-run, its run is taken back like a dead worker's claims (and
    # registering reaps the dead workers first, as `check` does with `_reap`).
    with (
        database(current) as engine,
        ProcessHeartbeat(engine, "repair", current.heartbeat_seconds),
    ):
        outcome = run_repair(engine, output_dir or current.output_dir, datetime.now(UTC), only=only)
    if as_json:
        emit_json(outcome.as_dict())
    else:
        _print_check(outcome.check, wide)
        plan = outcome.plan
        deferred = f"; deferred until their parents are rechecked: {plan.deferred}" if plan.deferred else ""
        waiting = plan.recheck_within_backoff
        later = f"; recheck within their backoff (an upstream was silent): {waiting}" if waiting else ""
        line = f"plan: recheck {plan.recheck_names or '-'}; reprocess {plan.reprocess_names or '-'}"
        line += deferred + later
        out.print(line, markup=False, soft_wrap=True)
        out.print(
            f"done: {len(outcome.rechecks_queued)} rechecks queued for the scheduler, "
            f"{len(outcome.reprocessed)} rebuilt from stored input (no network)",
            markup=False,
        )
    pending = outcome.check.status == IN_PROGRESS or outcome.plan.deferred or outcome.rechecks_queued
    raise typer.Exit(1 if pending else 0)


def publish(as_json: JsonOption = False, output_dir: OutputDir = None) -> None:
    """Write the fleet reports and every repository's card, and record their lineage."""
    from distscout.integrity.repair import publish as publish_outputs  # noqa: PLC0415 - lazy: start-up

    current = settings()
    target = output_dir or current.output_dir
    with database(current) as engine:
        try:
            written = publish_outputs(engine, target, datetime.now(UTC))
        except OSError as exc:
            raise fail(f"cannot write to {target}: {exc.strerror or exc}") from None
    if as_json:
        emit_json({"output_dir": str(target), "written": written})
    else:
        out.print(f"{len(written)} outputs written under {target}", markup=False)


def _reap(engine: Engine, current: Settings) -> None:
    """Workers that died mid-scan leave `active_scans` entries that would read as "in progress" until their
    lease runs out: once their heartbeat is missed, take them back first."""
    from distscout.store.workers import reap_dead  # noqa: PLC0415 - lazy: start-up
    from distscout.worker.heartbeat import stale_after  # noqa: PLC0415 - lazy: start-up

    reap_dead(engine, datetime.now(UTC), stale_after(current.heartbeat_seconds))


def _exit_code(report: CheckReport) -> int:
    return {CLEAN: 0, IN_PROGRESS: 3}.get(report.status, 1)


FINDING_COLUMNS = (
    tables.short("class"),
    tables.key("subject"),
    tables.short("action"),
    tables.key("target"),
    tables.text("reason"),
)


def _print_check(report: CheckReport, wide: bool) -> None:
    if report.status == IN_PROGRESS:
        out.print("in progress: a scan or a repair is running; findings now could not be trusted")
        return
    if not report.findings:
        out.print(f"clean: {report.repos_checked} repositories and {report.outputs_checked} outputs checked")
        return
    rows = [
        [values[c] for c in ("class", "subject", "action", "target", "reason")]
        for values in (finding.as_dict() for finding in report.findings)
    ]
    title = f"{len(rows)} finding{'' if len(rows) == 1 else 's'}"
    tables.print_table(out, title, FINDING_COLUMNS, rows, wide=wide, notes=err)
