"""`distscout doctor`: the upstreams' pre-flight, with the credentials a scan would use (distscout.doctor)."""

from __future__ import annotations

import asyncio

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from distscout.commands.common import JsonOption, database, emit_json, err, out, settings
from distscout.doctor import CANARY_TRIES, Check, Status, run_doctor, worst
from distscout.repos import RepoRef
from distscout.store.repos import canary_candidates, tracked_hosts

_STYLE = {Status.OK: "green", Status.DEGRADED: "yellow", Status.FAILING: "red"}


def register(app: typer.Typer) -> None:
    app.command()(doctor)


def doctor(as_json: JsonOption = False) -> None:
    """Check each upstream before a fleet scan: reachable, token and scopes, budget and tier, GraphQL,
    the ecosyste.ms bulk canary, clock skew. A handful of requests, never a scan.
    Exit 0 when nothing is failing (degraded lines included), 1 when something is."""
    current = settings()
    candidates, hosts = _tracked()
    checks = asyncio.run(run_doctor(current, candidates, hosts=hosts))
    if as_json:
        emit_json({"status": worst(checks).value, "checks": [check.as_dict() for check in checks]})
    else:
        show(checks)
    if worst(checks) is Status.FAILING:
        raise typer.Exit(1)


def _tracked() -> tuple[list[RepoRef], frozenset[str]]:
    """Tracked repositories to prove the bulk lookup with, and the forges the fleet lives on; none when the
    database cannot be read."""
    try:
        with database() as engine, engine.connect() as connection:
            return canary_candidates(connection, CANARY_TRIES), tracked_hosts(connection)
    except (SQLAlchemyError, typer.Exit):
        err.print("doctor: the database could not be read; the bulk canary tries a public repository")
        return [], frozenset()


def show(checks: list[Check]) -> None:
    table = Table(title=f"doctor: {worst(checks).value}", show_lines=False)
    for header in ("upstream", "check", "status", "detail", "fix"):
        table.add_column(header, overflow="fold")
    for check in checks:
        status = f"[{_STYLE[check.status]}]{check.status.value}[/]"
        table.add_row(check.upstream, check.check, status, escape(check.detail), escape(check.fix or "-"))
    out.print(table)
