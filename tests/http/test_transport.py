"""The aiohttp transport under the upstream client, against a raw HTTP server on loopback.

The server answers from a script of raw bytes, so each test controls exactly what is on the wire:
percent-encoding, redirects, gzip, chunked bodies, a stall, a closed port.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import pytest
import stamina

from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from tests.emulator.fixtures import EmulatorFactory

Answer = Callable[[str], bytes | None]  # request target (raw, as sent) -> raw response bytes; None: close


@pytest.fixture(autouse=True)
def _no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


def reply(status: int, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@asynccontextmanager
async def wire(
    answer: Answer, seen: list[str] | None = None, connections: list[int] | None = None
) -> AsyncIterator[str]:
    """A server answering each request with `answer(target)` (None: the connection is closed unanswered);
    `seen` collects the targets, `connections` counts the connections opened."""
    handlers: set[asyncio.Task[object] | None] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())
        if connections is not None:
            connections.append(len(connections))
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                await reader.readexactly(_content_length(head))  # a POST's body
                target = head.split(b" ", 2)[1].decode()
                if seen is not None:
                    seen.append(target)
                if (answered := answer(target)) is None:
                    break
                writer.write(answered)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        for task in handlers:  # connections the client keeps alive: closed with the server
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in handlers if t is not None), return_exceptions=True)


def client(base_url: str, **config: object) -> UpstreamClient:
    return UpstreamClient(UpstreamConfig(name="depsdev", base_url=base_url, **config), clock=FakeClock())  # type: ignore[arg-type]


async def test_a_percent_encoded_path_goes_out_as_built() -> None:
    seen: list[str] = []
    async with wire(lambda _: reply(200, b"{}", "content-type: application/json"), seen) as url:
        upstream = client(url)
        fetched = await upstream.get(
            "/v3/projects/github.com%2Facme%2Fwidget:packageversions", params={"a": "b c"}
        )
        await upstream.aclose()
    assert fetched.outcome is Outcome.OK and fetched.data == {}
    assert seen == ["/v3/projects/github.com%2Facme%2Fwidget:packageversions?a=b+c"]


async def test_redirects_are_followed_and_remembered() -> None:
    def answer(target: str) -> bytes:
        if target == "/repos/old/name":
            return reply(301, b"", "location: /repos/new/name")
        return reply(200, json.dumps({"full_name": "new/name"}).encode())

    async with wire(answer) as url:
        upstream = client(url)
        fetched = await upstream.get("/repos/old/name")
        await upstream.aclose()
    assert fetched.data == {"full_name": "new/name"}
    assert fetched.redirected_from is not None and fetched.redirected_from.endswith("/repos/old/name")


async def test_a_gzip_body_is_decoded() -> None:
    packed = gzip.compress(json.dumps({"zipped": True}).encode())
    async with wire(lambda _: reply(200, packed, "content-encoding: gzip")) as url:
        upstream = client(url)
        fetched = await upstream.get("/x")
        await upstream.aclose()
    assert fetched.outcome is Outcome.OK and fetched.data == {"zipped": True}


async def test_a_chunked_body_over_the_limit_is_refused_while_reading() -> None:
    chunk = b"x" * 1000
    chunked = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 20 + b"0\r\n\r\n"
    head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
    async with wire(lambda _: head + chunked) as url:
        upstream = client(url, max_bytes=5000)
        fetched = await upstream.get("/big")
        await upstream.aclose()
    assert fetched.outcome is Outcome.PERMANENT and "too large" in (fetched.error or "")


@pytest.mark.parametrize(
    "garbage",
    [
        b"NOT HTTP AT ALL\r\n\r\n",  # no status line
        b'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"cut":',  # the body stops short, then EOF
    ],
    ids=["no-status-line", "body-cut-short"],
)
async def test_a_garbled_answer_is_transient_and_nothing_is_kept(garbage: bytes) -> None:
    async def answer_and_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(garbage)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_and_hang_up, "127.0.0.1", 0)
    upstream = client(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    fetched = await upstream.get("/x")
    await upstream.aclose()
    server.close()
    assert fetched.outcome is Outcome.TRANSIENT and fetched.data is None
    assert await upstream.cache.lookup(upstream._cache_key("/x", {})) is None, "nothing cached from it"


async def test_a_closed_port_is_a_transient_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    upstream = client(f"http://127.0.0.1:{port}")
    fetched = await upstream.get("/x")
    await upstream.aclose()
    assert fetched.outcome is Outcome.TRANSIENT and fetched.error == "ConnectError"


async def test_a_stalled_answer_is_a_transient_timeout() -> None:
    def never(_: str) -> bytes:
        return b""  # the request is read, and nothing ever comes back

    async with wire(never) as url:
        upstream = client(url, timeout=0.2)
        fetched = await upstream.get("/slow")
        await upstream.aclose()
    assert fetched.outcome is Outcome.TRANSIENT and fetched.error == "timeout"


def test_one_client_serves_two_event_loops_in_turn() -> None:
    """`asyncio.run` twice with one client (a command that runs two phases): a pool per loop."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, str] = {}
    stop = asyncio.Event()

    async def serve_forever() -> None:
        async with wire(lambda _: reply(200, b"[1]")) as url:
            holder["url"] = url
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve_forever(),), daemon=True)
    thread.start()
    started.wait(10)
    upstream = client(holder["url"])
    assert asyncio.run(upstream.get("/x")).data == [1]
    assert asyncio.run(upstream.get("/y")).data == [1]
    asyncio.run(upstream.aclose())
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


async def test_requests_queued_behind_a_starved_event_loop_do_not_time_out(
    emulator_factory: EmulatorFactory,
) -> None:
    """A busy machine (our own CPU holding the event loop past the timeout) makes requests slower, never
    failed: the wait for a pooled connection is ours, not the network's, and is not timed."""
    server = emulator_factory({"format": 1, "repos": [], "packages": []})
    upstream = client(server.url_for("depsdev"), timeout=0.3, max_connections=1, attempts=1)
    # The connection is opened first: opening one is the network's time, and timed. (Its timeout is a
    # cancellation that a starved loop runs before the task it cancels sees the connection made: with the
    # connect still under way when the loop was starved, the first request timed out once in CI.)
    assert (await upstream.get("/v3/systems/npm/packages/warm")).outcome is Outcome.MISS

    async def hog() -> None:
        await asyncio.sleep(0.02)  # the requests are on their way, most of them queued for the connection
        time.sleep(1.0)  # then the loop's thread is starved for three times the timeout

    answered = await asyncio.gather(
        *(upstream.get(f"/v3/systems/npm/packages/p{i}") for i in range(60)), hog()
    )
    await upstream.aclose()
    outcomes = [fetched.outcome for fetched in answered[:-1]]
    assert outcomes == [Outcome.MISS] * 60, [fetched.error for fetched in answered[:-1]]


async def test_a_post_on_a_connection_the_server_closed_is_sent_again_on_a_fresh_one() -> None:
    """A server closes an idle keep-alive connection as the client reuses it (uvicorn after 5 s; under a
    busy event loop the client has not read the close yet). aiohttp sends a GET again by itself; our POSTs
    (GraphQL queries, ecosyste.ms lookups) only read, and are sent again too, instead of failing the scan."""
    closed: list[str] = []

    def answer(target: str) -> bytes | None:
        if target == "/b" and not closed:  # the idle time ran out as this request came: closed, unanswered
            closed.append(target)
            return None
        return reply(200, b'{"data": {}}', "content-type: application/json")

    seen: list[str] = []
    connections: list[int] = []
    async with wire(answer, seen, connections) as url:
        upstream = client(url, attempts=1)  # no retry of the client's own: the transport's one send again
        first = await upstream.request("POST", "/a", json_body={"query": "{ a }"})
        second = await upstream.request("POST", "/b", json_body={"query": "{ b }"})
        await upstream.aclose()
    assert first.outcome is Outcome.OK
    assert second.outcome is Outcome.OK, second.error
    assert seen == ["/a", "/b", "/b"] and len(connections) == 2, "sent again, on a new connection"


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0
