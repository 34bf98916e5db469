"""Run the emulator on loopback in a background thread, for tests, benchmarks and the offline demo.

with EmulatorServer(load_world("world/")) as emulator:
    httpx.get(emulator.url_for("github") + "/repos/acme/widget", headers={"User-Agent": "me"})
    emulator.stats()["github"]["requests"]
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from distscout.emulator.app import PREFIXES, Emulator
from distscout.emulator.budget import Limits
from distscout.emulator.faults import Clock, FaultsInput
from distscout.emulator.garble import GarblingProtocol
from distscout.emulator.model import World
from distscout.emulator.world import load_world, world_from_dict

LOOPBACK = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1", "::1": "::1"}
_START_TIMEOUT_S = 10.0

WorldInput = World | Mapping[str, Any] | str | os.PathLike[str]


def as_world(world: WorldInput) -> World:
    """A World from a World, a parsed world.json (no on-disk files), or a world folder."""
    if isinstance(world, World):
        return world
    if isinstance(world, Mapping):
        return world_from_dict(world)
    return load_world(Path(world))


def bind_loopback(host: str, port: int) -> socket.socket:
    """A listening-ready socket on a loopback address; anything else is refused."""
    if host not in LOOPBACK:
        raise ValueError(f"the emulator binds to loopback only ({', '.join(LOOPBACK)}), not {host!r}")
    address = LOOPBACK[host]
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    return sock


def server_config(app: Any) -> uvicorn.Config:
    """uvicorn adds no `Server` and no `Date` header: the app writes `Date` itself (from the emulator's clock,
    GitHub's skewed by its `clock_skew_s` quirk), so every answer carries exactly one."""
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        date_header=False,
        http=GarblingProtocol,  # httptools, able to write a garbage status line (faults: garbage_rate)
    )


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorServer:
    """The emulator served by uvicorn in a daemon thread; a context manager that starts and stops it."""

    def __init__(
        self,
        world: WorldInput,
        faults: FaultsInput = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Clock | None = None,
        limits: Limits | None = None,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the emulator binds to loopback only ({', '.join(LOOPBACK)}), not {host!r}")
        self.emulator = Emulator(as_world(world), faults, clock=clock, limits=limits)
        # What uvicorn serves: the emulator's app, or a test's wrapper around it (set before `start`).
        self.app: ASGIApp = self.emulator.app
        self._host, self._port = host, port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            return self
        self._socket = bind_loopback(self._host, self._port)
        self._server = uvicorn.Server(server_config(self.app))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="distscout-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the emulator server is not running")
        return base_url_of(self._socket)

    def url_for(self, service: str) -> str:
        """The base URL of one service: depsdev, ecosystems, github or gitlab (its API under /api/v4)."""
        if service not in PREFIXES:
            raise ValueError(f"unknown service {service!r}; expected one of {', '.join(PREFIXES)}")
        return self.base_url + PREFIXES[service]

    def stats(self) -> dict[str, Any]:
        return self.emulator.stats()

    def reset(self) -> None:
        self.emulator.reset()

    def set_faults(self, faults: FaultsInput) -> None:
        self.emulator.set_faults(faults)
