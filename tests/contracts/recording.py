"""The emulator over real HTTP with every exchange recorded: what distscout's clients sent, what came back.

`Recorder` wraps the emulator's ASGI app (`EmulatorServer.app`), so the recording is of the bytes that went
over the socket, whichever client sent them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from distscout.emulator.budget import Limits
from distscout.emulator.faults import FaultsInput
from distscout.emulator.server import EmulatorServer, WorldInput


@dataclass
class Exchange:
    method: str
    service: str
    path: str  # the raw path below the service's prefix, as sent
    query: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @property
    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        found = [value for key, value in self.headers if key == name.lower()]
        return found[0] if found else None

    def json(self) -> Any:
        return json.loads(self.body)

    def __str__(self) -> str:
        query = "?" + self.query if self.query else ""
        return f"{self.method} /{self.service}{self.path}{query} -> {self.status}"


class Recorder:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.exchanges: list[Exchange] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        service, _, rest = raw.removeprefix("/").partition("/")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        exchange = Exchange(
            scope["method"], service, "/" + rest, scope["query_string"].decode("latin-1"), headers, b""
        )
        self.exchanges.append(exchange)

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                exchange.request_body += message.get("body", b"")
            return message

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.headers = [
                    (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                exchange.body += message.get("body", b"")
            await send(message)

        await self.app(scope, receiving, sending)

    def of(self, service: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.service == service]


@contextmanager
def recorded(
    world: WorldInput, faults: FaultsInput = None, *, limits: Limits | None = None
) -> Iterator[tuple[EmulatorServer, Recorder]]:
    server = EmulatorServer(world, faults, limits=limits)
    recorder = Recorder(server.app)
    server.app = recorder
    with server:
        yield server, recorder
