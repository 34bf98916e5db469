"""`distscout serve` with the web: uvicorn and the dispatcher in one asyncio loop, stopped together.

SIGINT/SIGTERM once: the web stops accepting, running scans finish (the dispatcher drains). Twice: the
web closes its connections and running scans are cancelled (their claims are released).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from distscout.app import Application
from distscout.integrity.repair import SettledChecks
from distscout.web.app import create_app
from distscout.web.service import Service
from distscout.worker import stacks
from distscout.worker.dispatcher import DispatcherStats
from distscout.worker.runner import ScanReport

log = logging.getLogger("distscout.web")


class ListenError(Exception):
    """The web cannot listen where it was asked to; the message says where and why."""


class _Server(uvicorn.Server):
    """uvicorn without signal handlers of its own: `serve` stops the web and the workers together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Endpoint:
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that a taken port is one clear error (and port 0 works)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


async def serve(
    service: Service,
    sock: socket.socket,
    *,
    workers: bool,
    exit_when_idle: bool = False,
    on_report: Callable[[ScanReport], None] | None = None,
) -> DispatcherStats | None:
    """Serve the web on `sock` (and run the dispatcher when `workers`) until a signal, or idle exit."""
    app = Application(service.settings, service.engine)
    upstreams = app.upstreams() if workers else None
    dispatcher = None
    if upstreams is not None:
        checks = SettledChecks(service.engine)

        def settled() -> None:
            # Run in a thread by the dispatcher; the repair in one more, so the web's loop never waits
            # on it (the dashboard shows its state).
            if checks.due():
                if service.integrity.check_now():
                    checks.checked()
            else:
                log.info("integrity: %s", SettledChecks.SKIPPED)

        def reported(report: ScanReport) -> None:
            service.metrics.observe_scan(report)
            if on_report is not None:
                on_report(report)

        dispatcher = app.dispatcher(
            upstreams,
            on_report=reported,
            exit_when_idle=exit_when_idle,
            on_settled=settled,
        )
        service.attach_workers(dispatcher, upstreams)
    config = uvicorn.Config(create_app(service), log_level="info", access_log=False, lifespan="off")
    server = _Server(config)

    def stop() -> None:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True
        if dispatcher is not None:
            dispatcher.stop()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    stacks.on_signal(loop)  # kill -USR1: what each task waits on, to stderr (else USR1 would end it)
    tasks: list[asyncio.Task[Any]] = [asyncio.create_task(server.serve(sockets=[sock]))]
    if dispatcher is not None:
        tasks.append(asyncio.create_task(dispatcher.run()))
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if not server.should_exit:  # the dispatcher went idle (or the web ended): stop the rest
            stop()
        await asyncio.gather(*tasks)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if upstreams is not None:
            await upstreams.aclose()
    return dispatcher.stats if dispatcher is not None else None
