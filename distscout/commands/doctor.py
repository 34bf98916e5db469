"""`distscout doctor`: the upstreams' pre-flight, with the credentials a scan would use (distscout.doctor)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.text import Text

from distscout.commands import tables
from distscout.commands.common import (
    JsonOption,
    WideOption,
    emit_json,
    err,
    out,
    quiet_retries,
    settings,
)

if TYPE_CHECKING:
    from distscout.doctor import Check
    from distscout.doctor_database import Tracked

_STYLE = {"ok": "green", "degraded": "yellow", "failing": "red"}
COLUMNS = (
    tables.short("upstream"),
    tables.short("check"),
    tables.short("status"),
    tables.text("detail"),
    tables.text("fix"),
)


def register(app: typer.Typer) -> None:
    app.command()(doctor)


def doctor(as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Check each upstream before a fleet scan: reachable, token and scopes, budget and tier, GraphQL,
    the ecosyste.ms bulk canary, clock skew. A handful of requests, never a scan.
    Exit 0 when nothing is failing (degraded lines included), 1 when something is."""
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.doctor import Status, run_doctor, worst  # noqa: PLC0415 - lazy: start-up

    current = settings()
    tracked = _tracked(current.database_url)
    quiet_retries()
    checks = asyncio.run(
        run_doctor(
            current,
            tracked.candidates,
            hosts=tracked.hosts,
            database_skew=tracked.skew,
            database_problem=tracked.problem,
        )
    )
    if as_json:
        emit_json({"status": worst(checks).value, "checks": [check.as_dict() for check in checks]})
    else:
        show(checks, wide)
    if worst(checks) is Status.FAILING:
        raise typer.Exit(1)


def _tracked(url: str) -> Tracked:
    """What doctor reads from the database; why it could not, instead (a failing line: before, a fleet
    whose database was away passed doctor as "degraded", exit 0)."""
    from distscout.doctor_database import Tracked, database_problem, read_tracked  # noqa: PLC0415 - lazy
    from distscout.store.engine import open_engine  # noqa: PLC0415 - lazy: start-up

    try:
        engine = open_engine(url)
        try:
            return read_tracked(engine)
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any reason is the line's detail, one line
        return Tracked(problem=database_problem(url, exc))


def show(checks: list[Check], wide: bool = False) -> None:
    from distscout.doctor import worst  # noqa: PLC0415 - lazy: start-up

    rows = [
        (
            check.upstream,
            check.check,
            Text(check.status.value, style=_STYLE.get(check.status.value, "")),
            check.detail,
            check.fix,
        )
        for check in checks
    ]
    tables.print_table(out, f"doctor: {worst(checks).value}", COLUMNS, rows, wide=wide, notes=err)
