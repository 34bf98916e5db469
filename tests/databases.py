"""Database fixtures for the whole suite (registered in tests/conftest.py). Never a mock: real servers.

- `postgres_server` (session): a throwaway PostgreSQL cluster started for the test session (initdb into a
  temporary directory, listening on 127.0.0.1 at a free port, durability off for speed), stopped and removed
  at the end. With `DISTSCOUT_TEST_POSTGRES_URL` set (a role allowed to CREATE DATABASE), that server is used
  instead. With neither PostgreSQL's binaries nor the variable, every test that needs it fails, saying how to
  install it: a skipped database suite would hide a missing install step.
- `postgres_url` (function): a fresh, empty database on that server (`test_<n>`, dropped afterwards), as a
  SQLAlchemy URL string `postgresql+psycopg://user:password@127.0.0.1:PORT/test_<n>`.
- `sqlite_url` (function): `sqlite:///<tmp_path>/distscout.db`.
- `database_url` (function): parametrized with ids `sqlite` and `postgresql`, so a test written once runs on
  both backends. Decorate a test with `postgresql_only` to run it on PostgreSQL alone.

Every test that uses PostgreSQL carries the `postgresql` marker: `pytest -m "not postgresql"` runs the rest
without a server.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import URL, make_url

ENV_URL = "DISTSCOUT_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")
ROLE = "distscout"
OS_USER = "postgres"  # the account initdb runs as when the suite runs as root (initdb refuses root)

INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl) were not found: the test suite starts a throwaway "
    "PostgreSQL server for the database tests.\n"
    "Install them (Debian/Ubuntu: `apt-get update && apt-get install -y postgresql`; `./scripts/test` "
    f"does this itself when it runs as root or with sudo), or point {ENV_URL} at a server on which "
    "USER may create databases: postgresql://USER:PASSWORD@HOST:PORT/postgres."
)

# Marks a test that uses `database_url` to run on PostgreSQL only.
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "shared_buffers": "128MB",
    "max_wal_size": "1GB",
    "log_min_messages": "warning",
    "logging_collector": "off",
    "timezone": "'UTC'",
}


# -- Finding PostgreSQL --------------------------------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_bindir(
    pg_config: str | None = "pg_config",
    search: Sequence[Path] = (Path("/usr/lib/postgresql"),),
    path: str | None = None,
) -> Path | None:
    """Where initdb and pg_ctl live: `pg_config --bindir`, else the newest `<search>/*/bin`, else PATH."""

    def usable(bindir: Path) -> bool:
        return all(
            (bindir / tool).is_file() and os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl")
        )

    if pg_config and (executable := shutil.which(pg_config, path=path)):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            result = subprocess.run(
                [executable, "--bindir"], capture_output=True, text=True, timeout=30, check=False
            )
            if result.returncode == 0 and usable(Path(result.stdout.strip())):
                return Path(result.stdout.strip())
    for root in search:
        candidates = sorted(root.glob("*/bin"), key=_version_key, reverse=True) if root.is_dir() else []
        for bindir in candidates:
            if usable(bindir):
                return bindir
    initdb = shutil.which("initdb", path=path)
    if initdb and usable(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    return None


# -- A server: the session's own cluster, or the one DISTSCOUT_TEST_POSTGRES_URL names ----------------------


@dataclass
class PostgresServer:
    """A PostgreSQL server on which tests get databases of their own.

    `url` is the login role's URL to the maintenance database; `create_database()` returns the URL of a new,
    empty database, `drop_database()` removes one (closing its connections).
    """

    url: URL
    prefix: str = "test_"
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _admin: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(**connect_args(self.url), autocommit=True)
        return self._admin

    def create_database(self) -> str:
        name = f"{self.prefix}{next(self._counter)}"
        self._connection().execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
        )
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        assert name and name.startswith(self.prefix), name
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        for _attempt in range(100):
            try:
                self._connection().execute(drop)
                return
            except psycopg.errors.InsufficientPrivilege:
                # FORCE may not end an autovacuum worker (the superuser's) that is busy in the database:
                # it is done within moments on a test database, so wait for it and drop again.
                time.sleep(0.1)
        self._connection().execute(drop)

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        url = self.create_database()
        try:
            yield url
        finally:
            self.drop_database(url)

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None


def connect_args(url: URL) -> dict[str, Any]:
    """psycopg.connect() keyword arguments for a SQLAlchemy URL."""
    args: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database or "postgres",
    }
    args.update({key: value for key, value in url.query.items() if isinstance(value, str)})
    return {key: value for key, value in args.items() if value is not None}


@contextlib.contextmanager
def database_away(url: str) -> Iterator[None]:
    """The database of `url` away, as while its server restarts or fails over: its open connections are
    ended and new ones refused ("not currently accepting connections") until the block ends."""
    name = make_url(url).database
    assert name, url
    with psycopg.connect(**connect_args(make_url(url).set(database="postgres")), autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        try:
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


def external_server(raw_url: str) -> PostgresServer:
    url = make_url(raw_url)
    if url.get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{ENV_URL} must be a postgresql:// URL, not {url.drivername}://")
    url = url.set(drivername="postgresql+psycopg")
    # A server shared with others: database names of this session only, so runs never drop each other's.
    return PostgresServer(url=url, prefix=f"test_{os.getpid()}_{secrets.token_hex(3)}_")


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster: initdb into a temporary directory, pg_ctl start and stop."""

    bindir: Path
    root: Path = field(init=False)
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    _as_postgres: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def _run(self, *command: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_postgres, *map(str, command)],
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _make_root(self) -> None:
        account = None
        if os.geteuid() == 0:
            # initdb refuses to run as root: the cluster belongs to the postgres account, which must reach it.
            try:
                account = pwd.getpwnam(OS_USER)
            except KeyError:
                pytest.fail(
                    f"Running as root, the PostgreSQL test server runs as the '{OS_USER}' account, and "
                    "there is none: install Debian's postgresql package (it creates it), or run the tests "
                    "as another user.",
                    pytrace=False,
                )
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.fail("Running as root needs runuser (util-linux) to start PostgreSQL.", pytrace=False)
            self._as_postgres = [runuser, "-u", OS_USER, "--"]
        for parent in (None, "/tmp"):
            root = Path(tempfile.mkdtemp(prefix="distscout-pg-", dir=parent))
            self.root = root
            if account is not None:
                os.chown(root, account.pw_uid, account.pw_gid)
            # The unix socket's path (<root>/.s.PGSQL.<port>) must fit in 107 bytes.
            if len(str(root)) <= 80 and (account is None or self._run("test", "-w", root).returncode == 0):
                return
            shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"No usable temporary directory for the PostgreSQL test server: {root}", pytrace=False)

    def start(self) -> None:
        self._make_root()
        result = self._run(
            self.bindir / "initdb",
            "--pgdata",
            self.data,
            "--username",
            OS_USER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        if result.returncode != 0:
            self._fail("initdb failed", result)
        settings = {**_SETTINGS, "unix_socket_directories": f"'{self.root}'"}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# distscout test server\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        for _attempt in range(5):  # another process may take the free port before the server binds it
            self.port = free_port()
            self.log.unlink(missing_ok=True)
            result = self._run(
                self.bindir / "pg_ctl",
                "--pgdata",
                self.data,
                "--log",
                self.log,
                "--options",
                f"-p {self.port}",
                "--wait",
                "--timeout=60",
                "--silent",
                "start",
            )
            if result.returncode == 0:
                break
            if "already in use" not in self._log_text():
                self._fail("pg_ctl start failed", result)
        else:
            self._fail("pg_ctl start failed: no free port", result)
        with psycopg.connect(
            host=str(self.root), port=self.port, user=OS_USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(self.password)
                )
            )

    def url(self) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=ROLE,
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database="postgres",
        )

    def stop(self) -> None:
        """Stop the server (if it runs) and remove its directory; safe to call more than once."""
        if getattr(self, "root", None) is None or not self.root.exists():
            return
        if (self.data / "postmaster.pid").exists():
            result = self._run(
                self.bindir / "pg_ctl",
                "--pgdata",
                self.data,
                "--mode=immediate",
                "--wait",
                "--silent",
                "stop",
            )
            if result.returncode != 0:
                self._kill_postmaster()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        """pg_ctl could not stop it: end this cluster's postmaster itself (checked by its command line)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            if str(self.data).encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return
            os.kill(pid, signal.SIGQUIT)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)

    def _log_text(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")
        return ""

    def _fail(self, what: str, result: subprocess.CompletedProcess[str]) -> NoReturn:
        detail = "\n".join(part for part in (result.stdout, result.stderr, self._log_text()) if part.strip())
        self.stop()
        pytest.fail(f"PostgreSQL test server: {what} (exit {result.returncode}):\n{detail}", pytrace=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- Fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if raw_url := os.environ.get(ENV_URL):
        server = external_server(raw_url)
        try:
            yield server
        finally:
            server.close()
        return
    bindir = find_bindir()
    if bindir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    cluster = Cluster(bindir)
    atexit.register(cluster.stop)  # should the session end without its teardown
    try:
        cluster.start()
        server = PostgresServer(url=cluster.url())
        try:
            yield server
        finally:
            server.close()
    finally:
        cluster.stop()
        atexit.unregister(cluster.stop)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    with postgres_server.database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'distscout.db'}"


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    backend = request.param
    if backend not in BACKENDS:
        raise ValueError(f"database_url: unknown backend {backend!r}; one of {', '.join(BACKENDS)}")
    url: str = request.getfixturevalue("postgres_url" if backend == "postgresql" else "sqlite_url")
    return url


# -- Markers -------------------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql: the test uses the PostgreSQL test server (added automatically)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgresql"
        names = getattr(item, "fixturenames", ())
        if on_postgres or "postgres_url" in names or "postgres_server" in names:
            item.add_marker(pytest.mark.postgresql)
