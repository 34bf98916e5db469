"""`distscout serve`: the daemon — the dispatcher and its workers, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import Engine

from distscout.commands.common import database, err, settings
from distscout.config import Settings
from distscout.integrity.repair import repair
from distscout.store.http_cache import StoreConditionalCache
from distscout.upstreams import build_upstreams
from distscout.worker.dispatcher import Dispatcher, DispatcherStats
from distscout.worker.runner import ScanReport


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    workers: Annotated[
        int | None, typer.Option(help="Scans at once (default: the `workers` setting).")
    ] = None,
    start_interval: Annotated[
        float | None,
        typer.Option(help="Seconds between scan starts (default: the `start_interval` setting)."),
    ] = None,
    workers_only: Annotated[
        bool, typer.Option("--workers-only", help="Run the dispatcher and workers only (fleet workers).")
    ] = False,
    exit_when_idle: Annotated[
        bool, typer.Option(help="Stop once nothing is due (batch runs, tests).")
    ] = False,
) -> None:
    """Run the scheduler: claim due repositories and scan them, paced, until Ctrl-C (twice cancels scans)."""
    current = settings()
    overrides = {
        k: v for k, v in {"workers": workers, "start_interval": start_interval}.items() if v is not None
    }
    current = current.model_copy(update=overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns what matters
    with database(current) as engine:
        err.print(
            f"distscout serve: {current.workers} workers, one start per {current.start_interval:g} s, "
            f"cadence {current.cadence_days:g} days"
            + ("" if workers_only else " (web surfaces: not built yet)"),
            markup=False,
        )
        stats = asyncio.run(_run(engine, current, exit_when_idle))
    err.print(f"stopped: {stats.finished} scans finished, {stats.errors} errors", markup=False)


async def _run(engine: Engine, current: Settings, exit_when_idle: bool) -> DispatcherStats:
    upstreams = build_upstreams(current, cache=StoreConditionalCache(engine))
    dispatcher = Dispatcher(
        engine,
        upstreams,
        current,
        on_report=_log,
        exit_when_idle=exit_when_idle,
        on_settled=lambda: _integrity(engine, current),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, dispatcher.stop)
    try:
        return await dispatcher.run()
    finally:
        await upstreams.aclose()


def _integrity(engine: Engine, current: Settings) -> None:
    """Check, and repair what can be repaired: reprocess locally, queue rechecks for the scheduler."""
    outcome = repair(engine, current.output_dir, datetime.now(UTC))
    if outcome.check.status == "clean":
        err.print("integrity: clean", markup=False)
        return
    err.print(
        f"integrity: {outcome.check.status}, {len(outcome.check.findings)} findings; "
        f"{len(outcome.rechecks_queued)} rechecks queued, {len(outcome.reprocessed)} rebuilt locally",
        markup=False,
    )


def _log(report: ScanReport) -> None:
    verdict = report.verdict.value if report.verdict else "claim lost"
    err.print(
        f"{report.repo}: {verdict} ({report.registry_rows} registry, {report.manifest_rows} manifests)",
        markup=False,
    )
