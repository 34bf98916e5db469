"""A status line that is no HTTP: the one wire fault an ASGI app cannot produce, as uvicorn writes the status
line itself. The app marks such an answer with a header; this protocol (uvicorn's httptools one, which
writes the status line and headers in one call) finds the mark in the bytes it is about to write and puts
garbage where the status line was. httptools rather than h11, which parses in Python: in bench/fleet.py,
where the emulator shares the machine's cores with what it measures, its CPU a repository fell from 2.64
to 2.20 ms."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MARK = b"x-emulator-fault: garbage\r\n"
GARBAGE = b"\x16\x03\x01 not http at all\r\n"


class _GarblingTransport:
    """The connection's transport, with `write` turning a marked answer's status line into garbage."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes | bytearray | memoryview) -> None:
        chunk = bytes(data)
        if MARK in chunk and chunk.startswith(b"HTTP/"):
            chunk = GARBAGE + chunk.split(b"\r\n", 1)[1].replace(MARK, b"")
        self._transport.write(chunk)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GarblingProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_GarblingTransport(transport))  # type: ignore[arg-type]
