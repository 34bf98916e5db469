"""What every command shares: settings, the database, JSON output, and one-line errors.

Light by design (see distscout/cli.py, "Start-up"): the settings, the store and the application are
imported when a command asks for them, never when the command line is merely parsed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from distscout.app import Application
    from distscout.config import Settings


class LineConsole(Console):
    """rich's Console, wrapping long lines only on a terminal: to a pipe, a file or a daemon's journal each
    message stays one line however long (rich would cut it at 80 columns, splitting a fleet worker's log
    lines), and is written without the cost of wrapping it. A terminal is a real one: `FORCE_COLOR` or
    `TTY_COMPATIBLE` (set by CI systems and container logs to keep colours) make rich treat a pipe as a
    terminal, and its lines must stay whole all the same."""

    @property  # rich sets an attribute; a property decides it at each print
    def soft_wrap(self) -> bool:
        return self._soft_wrap or not self._at_a_terminal()

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._soft_wrap = value

    def _at_a_terminal(self) -> bool:
        if self._force_terminal is not None:  # the caller's explicit force_terminal
            return self._force_terminal
        isatty = getattr(self.file, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed file
            return False


out = LineConsole(highlight=False)
err = LineConsole(stderr=True, highlight=False)

EXIT_FAILURE = 1
EXIT_USAGE = 2

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output (JSON).")]
WideOption = Annotated[
    bool,
    typer.Option(
        "--wide", help="Tables: every column at full width, whatever the terminal's (--json: all fields)."
    ),
]


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print one clear line on stderr; raise the returned Exit to stop with `code`."""
    err.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(code)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 manifest`, `2 manifests`."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def settings(**options: Any) -> Settings:
    """The configuration, with the command's `options` (None: not given) over it, all validated alike: an
    option out of a setting's range is the same one-line error as the setting, named as the option."""
    from distscout.config import ConfigError, load_settings  # noqa: PLC0415 - lazy: start-up

    given = {name: value for name, value in options.items() if value is not None}
    try:
        return load_settings(**given)
    except ConfigError as exc:
        name, _, reason = str(exc).partition(": ")
        if name in given:
            raise fail(f"--{name.replace('_', '-')}: {reason}", EXIT_USAGE) from None
        raise fail(f"configuration: {exc}", EXIT_USAGE) from None


def quiet_retries() -> None:
    """Retries are reported through each call's outcome; stamina's own log lines would only be noise here.
    Called by every command that builds upstream clients, before it does."""
    import stamina  # noqa: PLC0415 - lazy: start-up (stamina is the upstream clients' dependency)

    stamina.instrumentation.set_on_retry_hooks([])


@contextmanager
def application(current: Settings | None = None) -> Iterator[Application]:
    """The application over the configured database, migrated; closed when the command ends."""
    from distscout.app import Application  # noqa: PLC0415 - lazy: start-up (the scanner, the clients)

    chosen = current or settings()
    with opening(chosen):
        app = Application.open(chosen)
    quiet_retries()
    with app:
        yield app


@contextmanager
def database(current: Settings | None = None) -> Iterator[Engine]:
    """The configured database, migrated; disposed when the command ends. Only the store is imported:
    a read command starts without the scanner and the upstream clients."""
    from distscout.store.engine import open_engine  # noqa: PLC0415 - lazy: start-up

    chosen = current or settings()
    with opening(chosen):
        engine = open_engine(chosen.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def opening(current: Settings) -> Iterator[None]:
    """Opening the database: a StoreError, or a path that cannot be a file, is one line."""
    from distscout.config import masked_url  # noqa: PLC0415 - lazy: start-up
    from distscout.store.engine import StoreError  # noqa: PLC0415 - lazy: start-up

    try:
        yield
    except StoreError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:  # creating the SQLite file's directory: a path under a regular file, say
        raise fail(database_path_problem(masked_url(current.database_url), exc)) from None


def database_path_problem(url: str, exc: OSError) -> str:
    """What is wrong with a SQLite database's path, in one line (not `unexpected FileExistsError`)."""
    path = exc.filename or url
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return f"cannot use the database {url}: {path} is not a directory (a file is in the way)"
    return f"cannot use the database {url}: {path}: {exc.strerror or exc}"


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")
