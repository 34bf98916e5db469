"""The wire under httpx: aiohttp's connection pool and HTTP parser, behind httpx's transport interface.

Why: httpx's own pool (httpcore on anyio) costs 0.90 ms of CPU a request with 16 at once and 1.78 ms with
64 — it walks every pooled connection on each request — against 0.32 ms for httpx over this transport
(`bench/http_client.py`). The client above keeps httpx's whole behaviour:
redirects, decoding, timeouts and errors as httpx types, and `httpx.MockTransport` in unit tests.

The response is streamed (the client enforces its size limit while reading), compressed bodies are left to
httpx to decode, and the URL goes out exactly as httpx built it: deps.dev wants `%2F` kept in a path.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

import aiohttp
import httpx
from yarl import URL

CHUNK = 64 * 1024
# An idle pooled connection is closed after this long: under the 5 s idle timeout of uvicorn (and
# httpx's own pool), so we rarely reuse one the server is closing. aiohttp's default is 15 s.
KEEPALIVE = 4.0


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session_for(asyncio.get_running_loop())
        body = await request.aread()
        try:
            answer = await self._request(session, request, body)
        except Exception as exc:
            raise _as_httpx(exc, request) from exc
        return httpx.Response(
            answer.status,
            headers=list(answer.headers.items()),
            stream=_Body(answer, request),
            request=request,
        )

    async def _request(
        self, session: aiohttp.ClientSession, request: httpx.Request, body: bytes
    ) -> aiohttp.ClientResponse:
        send = functools.partial(
            session.request,
            request.method,
            URL(str(request.url), encoded=True),
            headers=list(request.headers.multi_items()),
            data=body or None,
            allow_redirects=False,  # httpx follows them, and keeps the history
            timeout=_timeout(request),
        )
        try:
            return await send()
        except aiohttp.ClientConnectorError:
            raise  # no connection could be opened: the network's answer, not a stale one of ours
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
            # A pooled connection the server had closed as we reused it (its idle timeout ran out; under a
            # busy event loop we may not have read its close yet). aiohttp sends a GET again by itself on
            # a fresh connection (RFC 9112 §9.3.1) but not a POST, and distscout's POSTs only read: GraphQL
            # queries and ecosyste.ms lookups. Send them again once, as aiohttp does a GET.
            if request.method != "POST":
                raise
            return await send()

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _session_for(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        # A session belongs to one event loop; a client reused under a new loop (asyncio.run again) starts
        # a new pool, since the old loop's connections cannot be used (nor closed) from this one.
        if self._session is None or self._loop is not loop or self._session.closed:
            self._loop = loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._max_connections, limit_per_host=0, keepalive_timeout=KEEPALIVE
                ),
                auto_decompress=False,  # httpx decodes, as it does for its own transport
                trust_env=False,  # (reading proxies and ~/.netrc on each request costs a thread hop)
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),  # httpx sets its own
                cookie_jar=aiohttp.DummyCookieJar(),  # upstream APIs set no state we want back
            )
        return self._session


class _Body(httpx.AsyncByteStream):
    def __init__(self, answer: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._answer, self._request = answer, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._answer.content.iter_chunked(CHUNK):
                yield chunk
        except Exception as exc:
            raise _as_httpx(exc, self._request) from exc

    async def aclose(self) -> None:
        self._answer.release()


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    limits = request.extensions.get("timeout", {})
    # The network's time only: opening a connection and waiting for the next bytes. The wait for a free
    # pooled connection is queueing behind our own requests (more scans than connections, a busy machine
    # holding the event loop): it makes a scan slower, and must never make it fail (`connect=None`).
    return aiohttp.ClientTimeout(
        total=None, connect=None, sock_connect=limits.get("connect"), sock_read=limits.get("read")
    )


def _as_httpx(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """aiohttp's errors as the httpx ones the client handles (a timeout is `transient`, and so on)."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(exc) or "connect timeout", request=request)
    if isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError)):
        return httpx.ReadTimeout(str(exc) or "read timeout", request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(str(exc), request=request)
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
        return httpx.RemoteProtocolError(str(exc), request=request)
    if isinstance(exc, aiohttp.ClientError | OSError):
        return httpx.ReadError(str(exc) or type(exc).__name__, request=request)
    raise exc
