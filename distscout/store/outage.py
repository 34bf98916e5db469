"""The database away for a while: a PostgreSQL server restarting, a managed service failing over, a
connection dropped on the way. Such an error says nothing of the statement, and the same work done again
once the server answers succeeds, so a daemon waits for it (`worker/outage.py`) instead of failing scans
or stopping; `distscout serve` on a fleet of machines outlives its database's maintenance windows.

What counts: a connection found dead (either backend); on PostgreSQL also a connection that could not be
opened (refused, the server starting or shutting down, too many connections, the database not accepting
any), and the server ending sessions (class 08, 57P01-57P03). Not an operational error in general: a
statement cancelled, a lock not available, a disk full or a row too big would fail the same way again,
and waiting for them would hold the daemon's scans forever behind a real error. SQLite's operational
errors (a missing table, a file locked past the 30 s already waited) are real errors too.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

_SERVER_AWAY = frozenset({"57P01", "57P02", "57P03", "53300"})  # shut down, crashed, starting; no slots


def unavailable(error: BaseException, engine: Engine) -> bool:
    """Whether `error` means the database was away, rather than that the work itself failed."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if engine.dialect.name != "postgresql" or not isinstance(error, OperationalError):
        return False
    if error.statement is None:  # raised while connecting: no statement of ours was sent
        return True
    state = getattr(error.orig, "sqlstate", None)
    return state is None or state.startswith("08") or state in _SERVER_AWAY


def why(error: BaseException) -> str:
    """The error's first line, without SQLAlchemy's statement and background link."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else type(cause).__name__  # no message: its kind at least
