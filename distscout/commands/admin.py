"""`distscout migrate` and `distscout config show`: the database's schema, and the settings in effect."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from distscout.commands.common import JsonOption, emit_json, fail, out, settings
from distscout.config import default_config_path
from distscout.store.engine import StoreError, open_engine
from distscout.store.migrate import upgrade

config_app = typer.Typer(
    name="config", help="Show the configuration in effect.", no_args_is_help=True, add_completion=False
)


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)
    app.add_typer(config_app, name="config")


def migrate(as_json: JsonOption = False) -> None:
    """Bring the database to the newest schema; prints the revision before and after."""
    current = settings()
    try:
        engine = open_engine(current.database_url, migrate=False)
    except StoreError as exc:
        raise fail(str(exc)) from None
    shown = engine.url.render_as_string(hide_password=True)
    try:
        before, after = upgrade(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
        raise fail(f"cannot migrate the database {shown}: {reason[0][:300]}") from None
    finally:
        engine.dispose()
    if as_json:
        emit_json({"database": shown, "before": before, "after": after, "changed": before != after})
        return
    if before == after:
        out.print(f"{shown}: already at revision {after}", markup=False)
    else:
        out.print(f"{shown}: revision {before or '(empty)'} → {after}", markup=False)


@config_app.command("show")
def show(as_json: JsonOption = False) -> None:
    """Every setting and its value (secrets masked)."""
    values = settings().shown()
    if as_json:
        emit_json(values)
        return
    path = default_config_path()
    table = Table(title=f"settings (file: {escape(str(path))}{'' if path.is_file() else ', not found'})")
    table.add_column("setting")
    table.add_column("value")
    for key, value in values.items():
        shown = ", ".join(value) if isinstance(value, list | tuple) else "-" if value is None else str(value)
        table.add_row(key, escape(shown))
    out.print(table)
