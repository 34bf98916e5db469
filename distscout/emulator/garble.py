"""A status line that is no HTTP: the one wire fault an ASGI app cannot produce, as uvicorn writes the status
line itself. The app marks such an answer with a header; this protocol (uvicorn's h11 one) finds the mark
in the bytes it is about to write and puts garbage where the status line was."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

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


class GarblingH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_GarblingTransport(transport))  # type: ignore[arg-type]
