"""`distscout serve`: the daemon — the web surfaces (REST API, dashboard, /metrics) and the dispatcher with
its workers, in one process, until SIGINT/SIGTERM. `--workers-only` for fleet workers, `--no-workers` for a
web front of a fleet whose workers run elsewhere."""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from distscout.commands.common import EXIT_USAGE, application, err, fail, settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

    from distscout.config import Settings
    from distscout.worker.dispatcher import DispatcherStats
    from distscout.worker.runner import ScanReport


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    *,
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
    no_workers: Annotated[
        bool, typer.Option("--no-workers", help="Serve the web only (workers run elsewhere).")
    ] = False,
    host: Annotated[
        str | None, typer.Option(help="Where the web listens (default: the `host` setting, 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="The web's port (default: the `port` setting).")
    ] = None,
    exit_when_idle: Annotated[
        bool, typer.Option(help="Stop once nothing is due (batch runs, tests).")
    ] = False,
) -> None:
    """Serve the web surfaces and scan due repositories, paced, until Ctrl-C (twice cancels scans)."""
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.config import setup_warnings  # noqa: PLC0415 - lazy: start-up
    from distscout.worker.heartbeat import ProcessHeartbeat  # noqa: PLC0415 - lazy: start-up

    if workers_only and no_workers:
        raise fail("choose one of --workers-only, --no-workers", EXIT_USAGE)
    current = settings(workers=workers, start_interval=start_interval, host=host, port=port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns what matters
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line a migration: store.migrate says one
    if not no_workers:
        for warning in setup_warnings(current):
            logging.getLogger("distscout.serve").warning("%s", warning)
    with application(current) as app, ProcessHeartbeat(app.engine, "serve", current.heartbeat_seconds):
        if workers_only:
            _announce_workers(current)
            stats: DispatcherStats | None = asyncio.run(_run(app.engine, current, exit_when_idle))
        else:
            stats = _serve_web(app.engine, current, not no_workers, exit_when_idle)
    if stats is not None:
        err.print(f"stopped: {stats.finished} scans finished, {stats.errors} errors", markup=False)
    else:
        err.print("stopped", markup=False)


def _announce_workers(current: Settings) -> None:
    err.print(
        f"distscout serve: {current.workers} workers, one start per {current.start_interval:g} s, "
        f"cadence {current.cadence_days:g} days",
        markup=False,
    )


def _serve_web(
    engine: Engine, current: Settings, workers: bool, exit_when_idle: bool
) -> DispatcherStats | None:
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.web.guard import exposure_warning  # noqa: PLC0415 - lazy: start-up
    from distscout.web.server import Endpoint, ListenError, listen  # noqa: PLC0415 - lazy: start-up
    from distscout.web.server import serve as serve_web  # noqa: PLC0415 - lazy: start-up
    from distscout.web.service import Service  # noqa: PLC0415 - lazy: start-up

    try:
        sock = listen(current.host, current.port)
    except ListenError as exc:
        raise fail(str(exc)) from None
    endpoint = Endpoint(current.host, sock.getsockname()[1])
    if workers:
        _announce_workers(current)
    admin = "admin routes need the API token" if current.api_token else "admin routes closed (no api_token)"
    reads = "reads need the token" if current.protect_reads else "reads open"
    err.print(f"web: {endpoint.url}/ ({admin}; {reads})", markup=False)
    if (exposed := exposure_warning(current.host, current.allowed_hosts)) is not None:
        err.print(f"warning: {exposed}", markup=False, soft_wrap=True)
    with sock:
        return asyncio.run(
            serve_web(
                Service(engine, current), sock, workers=workers, exit_when_idle=exit_when_idle, on_report=_log
            )
        )


async def _run(engine: Engine, current: Settings, exit_when_idle: bool) -> DispatcherStats:
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.app import Application  # noqa: PLC0415 - lazy: start-up
    from distscout.worker import stacks  # noqa: PLC0415 - lazy: start-up

    app = Application(current, engine)
    upstreams = app.upstreams()
    dispatcher = app.dispatcher(
        upstreams,
        on_report=_log,
        exit_when_idle=exit_when_idle,
        on_settled=_settled_hook(engine, current),
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, dispatcher.stop)
    stacks.on_signal(loop)  # kill -USR1: what each scan waits on, to stderr
    try:
        return await dispatcher.run()
    finally:
        await upstreams.aclose()


def _settled_hook(engine: Engine, current: Settings) -> Callable[[], None]:
    """The daemon's check at start-up, then at each settled cycle (integrity.repair.SettledChecks)."""
    from distscout.integrity.repair import SettledChecks  # noqa: PLC0415 - lazy: start-up

    checks = SettledChecks(engine)

    def hook() -> None:
        if checks.due():
            _integrity(engine, current)
            checks.checked()
        else:
            err.print(f"integrity: {SettledChecks.SKIPPED}", markup=False)

    return hook


def _integrity(engine: Engine, current: Settings) -> None:
    """Check, and repair what can be repaired: reprocess locally, queue rechecks for the scheduler."""
    from distscout.integrity.repair import repair  # noqa: PLC0415 - lazy: start-up

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
