"""`distscout migrate` and `distscout config show`: the database's schema, and the settings in effect."""

from __future__ import annotations

import typer

from distscout.commands import tables
from distscout.commands.common import JsonOption, WideOption, emit_json, err, fail, opening, out, settings

config_app = typer.Typer(
    name="config", help="Show the configuration in effect.", no_args_is_help=True, add_completion=False
)


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)
    app.add_typer(config_app, name="config")


def migrate(as_json: JsonOption = False) -> None:
    """Bring the database to the newest schema; prints the revision before and after."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - lazy: start-up

    from distscout.store.engine import open_engine  # noqa: PLC0415 - lazy: start-up
    from distscout.store.migrate import upgrade  # noqa: PLC0415 - lazy: start-up

    current = settings()
    with opening(current):
        engine = open_engine(current.database_url, migrate=False)
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
def show(as_json: JsonOption = False, wide: WideOption = False) -> None:
    """Every setting and its value (secrets masked)."""
    from distscout.config import default_config_path  # noqa: PLC0415 - lazy: start-up

    values = settings().shown()
    if as_json:
        emit_json(values)
        return
    path = default_config_path()
    title = f"settings (file: {path}{'' if path.is_file() else ', not found'})"
    rows = [
        (key, ", ".join(value) if isinstance(value, list | tuple) else None if value is None else str(value))
        for key, value in values.items()
    ]
    columns = (tables.key("setting"), tables.text("value"))
    tables.print_table(out, title, columns, rows, wide=wide, notes=err)
