"""CPU per request of the upstream client: httpx's own pool against the aiohttp transport it runs over,
and distscout's `UpstreamClient.get` over that transport (its retries, breaker, tokens, conditional cache).

    .venv/bin/python bench/http_client.py [--requests 4000] [--concurrency 16] [--connections 8]

A raw keep-alive HTTP server on loopback answers every request with the same small JSON body, in its own
process, so the figure is the client's CPU alone (the reason distscout's client uses `AiohttpTransport`).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from multiprocessing.queues import Queue
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from distscout.http import UpstreamClient, UpstreamConfig
from distscout.http.clock import SystemClock
from distscout.http.transport import AiohttpTransport

BODY = (
    b'{"versions":['
    + b",".join([b'{"versionKey":{"system":"NPM","name":"x","version":"1.0.0"}}'] * 5)
    + b"]}"
)
ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


def serve(ports: Queue[int]) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(ANSWER)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        ports.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def measure(transport: httpx.AsyncBaseTransport | None, url: str, options: argparse.Namespace) -> float:
    limits = httpx.Limits(max_connections=options.connections, max_keepalive_connections=options.connections)
    async with httpx.AsyncClient(base_url=url, transport=transport, limits=limits) as client:
        gate = asyncio.Semaphore(options.concurrency)

        async def one(n: int) -> None:
            async with gate:
                answer = await client.get(f"/v3/projects/github.com%2Fo%2Fr{n}:packageversions")
                answer.json()

        await asyncio.gather(*(one(n) for n in range(200)))  # warm: connections open
        started = time.process_time()
        await asyncio.gather(*(one(n) for n in range(options.requests)))
        return (time.process_time() - started) / int(options.requests) * 1000


async def measure_client(url: str, options: argparse.Namespace) -> float:
    config = UpstreamConfig(
        name="bench", base_url=url, token="bench-token", max_connections=options.connections
    )
    client = UpstreamClient(config, clock=SystemClock())
    gate = asyncio.Semaphore(options.concurrency)

    async def one(n: int) -> None:
        async with gate:
            answer = await client.get(
                f"/v3/projects/github.com%2Fo%2Fr{n}:packageversions", params={"n": "1"}
            )
            assert answer.ok

    try:
        await asyncio.gather(*(one(n) for n in range(200)))
        started = time.process_time()
        await asyncio.gather(*(one(n) for n in range(options.requests)))
        return (time.process_time() - started) / int(options.requests) * 1000
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    server = context.Process(target=serve, args=(ports,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=30)}"
    try:
        for name, transport in (
            ("httpx's own pool", None),
            ("httpx over AiohttpTransport", AiohttpTransport(options.connections)),
        ):
            cpu = asyncio.run(measure(transport, url, options))
            print(f"{name:28} {cpu:.3f} ms of CPU per request ({options.concurrency} at once)")
        cpu = asyncio.run(measure_client(url, options))
        print(f"{'UpstreamClient.get':28} {cpu:.3f} ms of CPU per request ({options.concurrency} at once)")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
