"""Headless Chromium for the browser tests: Debian's chromium, driven by Playwright (never
`playwright install`: no browser is downloaded), and the app served by uvicorn on a loopback port."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from distscout.web.app import create_app
from distscout.web.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    f"{CHROMIUM} was not found: the browser tests drive Debian's chromium. Install it "
    "(`apt-get install -y chromium`; ./scripts/test does this itself when it runs as root or with sudo)."
)


def chromium_path() -> str:
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(INSTALL_HINT, pytrace=False)  # a skipped browser suite would hide a missing install
    return str(CHROMIUM)


@contextmanager
def served(service: Service) -> Iterator[str]:
    """The app on a free loopback port, in a background thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
            assert thread.is_alive(), "the web server did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
