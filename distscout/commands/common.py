"""What every command shares: settings, the database, JSON output, and one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from distscout.app import Application
from distscout.config import ConfigError, Settings, load_settings
from distscout.store.engine import StoreError

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_FAILURE = 1
EXIT_USAGE = 2

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON).")]


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print one clear line on stderr; raise the returned Exit to stop with `code`."""
    err.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise fail(f"configuration: {exc}", EXIT_USAGE) from None


@contextmanager
def application(current: Settings | None = None) -> Iterator[Application]:
    """The application over the configured database, migrated; closed when the command ends."""
    try:
        app = Application.open(current or settings())
    except StoreError as exc:
        raise fail(str(exc)) from None
    with app:
        yield app


@contextmanager
def database(current: Settings | None = None) -> Iterator[Engine]:
    """The configured database, migrated; disposed when the command ends."""
    with application(current) as app:
        yield app.engine


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")
