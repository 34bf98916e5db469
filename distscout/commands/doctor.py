"""`distscout doctor`: the upstreams' pre-flight, with the credentials a scan would use (distscout.doctor)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.text import Text

from distscout.commands import tables
from distscout.commands.common import (
    JsonOption,
    WideOption,
    database,
    emit_json,
    err,
    out,
    quiet_retries,
    settings,
)

if TYPE_CHECKING:
    from distscout.doctor import Check
    from distscout.repos import RepoRef

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
    candidates, hosts, skew = _tracked()
    quiet_retries()
    checks = asyncio.run(run_doctor(current, candidates, hosts=hosts, database_skew=skew))
    if as_json:
        emit_json({"status": worst(checks).value, "checks": [check.as_dict() for check in checks]})
    else:
        show(checks, wide)
    if worst(checks) is Status.FAILING:
        raise typer.Exit(1)


def _tracked() -> tuple[list[RepoRef], frozenset[str], float | None]:
    """Tracked repositories to prove the bulk lookup with, the forges the fleet lives on, and the database
    server's clock skew (PostgreSQL); none when the database cannot be read."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - lazy: start-up

    from distscout.doctor import CANARY_TRIES  # noqa: PLC0415 - lazy: start-up
    from distscout.store.repos import canary_candidates, tracked_hosts  # noqa: PLC0415 - lazy: start-up
    from distscout.store.workers import clock_skew  # noqa: PLC0415 - lazy: start-up

    try:
        with database() as engine, engine.connect() as connection:
            candidates, hosts = canary_candidates(connection, CANARY_TRIES), tracked_hosts(connection)
            return candidates, hosts, clock_skew(connection)
    except (SQLAlchemyError, typer.Exit):
        err.print("doctor: the database could not be read; the bulk canary tries a public repository")
        return [], frozenset(), None


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
