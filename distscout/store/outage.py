"""The database away for a while: a PostgreSQL server restarting, a managed service failing over, a
connection dropped on the way. Such an error says nothing of the statement, and the same work done again
once the server answers succeeds, so a daemon waits for it (`worker/outage.py`) instead of failing scans
or stopping; `distscout serve` on a fleet of machines outlives its database's maintenance windows.

A PostgreSQL operational error is one (connections refused or closed, the server shutting down or not yet
accepting connections, a transaction rolled back by a deadlock or a serialization failure). On SQLite it
is only a connection found dead: its operational errors are a missing table or a locked file that has
already been waited on for 30 s, which waiting longer would not mend.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError


def unavailable(error: BaseException, engine: Engine) -> bool:
    """Whether `error` means the database was away, rather than that the work itself failed."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    return engine.dialect.name == "postgresql" and isinstance(error, OperationalError)


def why(error: BaseException) -> str:
    """The error's first line, without SQLAlchemy's statement and background link."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else type(cause).__name__
