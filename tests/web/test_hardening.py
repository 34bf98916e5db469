"""A server a stranger cannot exhaust (issue #16): bounded bodies read only after the admin token, Host names
checked against DNS rebinding, signed expiring sessions with a logout, and wrong tokens slowed down."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

from distscout.web.app import create_app
from distscout.web.auth import COOKIE
from distscout.web.guard import exposure_warning, host_name
from distscout.web.sessions import CAPACITY, MAX_FAILURES, WINDOW, Sessions
from tests.databases import database_away, postgresql_only
from tests.web.conftest import ADMIN, TOKEN, ServiceFactory

LIMIT = 4096


def _asgi(app: Any, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, int]:
    """POST `chunks` to the app over ASGI: (status answered, body bytes the app took from the client)."""
    taken = 0
    status = 0
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        nonlocal taken
        if not pending:
            return {"type": "http.request", "body": b"", "more_body": False}
        chunk = pending.pop(0)
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "127.0.0.1", **headers}.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }
    asyncio.run(app(scope, receive, send))
    return status, taken


def test_an_anonymous_post_is_refused_before_its_body_is_read(make_service: ServiceFactory) -> None:
    app = create_app(make_service(api_token=TOKEN, max_request_bytes=LIMIT))
    huge = [b"x" * 65536] * 64
    assert _asgi(app, "/api/admin/repos", {"content-type": "application/json"}, huge) == (401, 0)
    closed = create_app(make_service(max_request_bytes=LIMIT))  # no token configured: closed, unread
    assert _asgi(closed, "/api/admin/repos", {}, huge) == (503, 0)


def test_a_body_over_the_limit_is_refused_unread_or_as_soon_as_it_passes(
    make_service: ServiceFactory,
) -> None:
    app = create_app(make_service(api_token=TOKEN, max_request_bytes=LIMIT))
    admin = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    declared = {**admin, "content-length": str(10 * LIMIT)}
    assert _asgi(app, "/api/admin/repos", declared, [b"x" * 10 * LIMIT]) == (413, 0)
    chunk = 1024
    status, taken = _asgi(app, "/api/admin/repos", admin, [b"[" + b" " * (chunk - 1)] * 100)
    assert status == 413 and taken <= LIMIT + chunk, taken  # chunked: stopped one chunk past the limit
    assert _asgi(app, "/login", {"content-length": str(LIMIT + 1)}, [b"t" * (LIMIT + 1)]) == (413, 0)


def test_a_body_within_the_limit_is_served(make_service: ServiceFactory) -> None:
    with TestClient(create_app(make_service(api_token=TOKEN, max_request_bytes=LIMIT))) as client:
        answer = client.post("/api/admin/repos", json={"repos": ["acme/new-one"]}, headers=ADMIN)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", ["/api/stats", "/", "/metrics", "/api/admin/repos"])
def test_a_foreign_host_name_is_refused(make_service: ServiceFactory, path: str) -> None:
    with TestClient(create_app(make_service(api_token=TOKEN))) as client:
        answer = client.request(
            "GET" if "admin" not in path else "POST", path, headers={"host": "attacker.example"}
        )
    assert answer.status_code == 400 and "Host" in answer.json()["error"]


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "testserver"])
def test_loopback_and_configured_names_are_served(make_service: ServiceFactory, host: str) -> None:
    with TestClient(create_app(make_service())) as client:
        assert client.get("/api/stats", headers={"host": host}).status_code == 200


def test_a_configured_public_name_is_served(make_service: ServiceFactory) -> None:
    with TestClient(create_app(make_service(allowed_hosts=("dist.example.org",)))) as client:
        assert client.get("/api/stats", headers={"host": "dist.example.org:443"}).status_code == 200
        assert client.get("/api/stats", headers={"host": "testserver"}).status_code == 400


def test_host_names_are_read_with_ports_and_brackets() -> None:
    assert [host_name(h) for h in ("A.example:80", "[::1]:8080", "::1", "localhost")] == [
        "a.example",
        "::1",
        "::1",
        "localhost",
    ]


def _signed_in(client: TestClient) -> str:
    answer = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert answer.status_code == 303
    return answer.cookies[COOKIE]


def _read(client: TestClient, cookie: str) -> int:
    """The status of a read presenting this session cookie (and no other)."""
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    status = client.get("/api/stats").status_code
    client.cookies.clear()
    return status


def test_the_session_cookie_is_signed_expires_and_ends_at_logout(make_service: ServiceFactory) -> None:
    app = create_app(make_service(api_token=TOKEN, protect_reads=True, session_hours=1))
    sessions: Sessions = app.state.sessions
    now = [1_800_000_000.0]
    sessions.clock = lambda: now[0]
    with TestClient(app) as client:
        cookie = _signed_in(client)
        assert TOKEN not in cookie
        client.cookies.clear()
        assert _read(client, cookie) == 200
        tampered = cookie[:-1] + ("0" if cookie[-1] != "0" else "1")
        assert _read(client, tampered) == 401
        longer = str(int(cookie.split(".")[0]) + 86400) + cookie[cookie.index(".") :]
        assert _read(client, longer) == 401, "expiry is signed"
        now[0] += 3601
        assert _read(client, cookie) == 401, "expired"
        now[0] -= 3601
        client.cookies.set(COOKIE, cookie)
        out = client.post("/logout", follow_redirects=False)
        assert out.status_code == 303 and COOKIE in out.headers["set-cookie"]
        client.cookies.clear()
        assert _read(client, cookie) == 401, "ended at logout"


def test_wrong_tokens_are_slowed_down(make_service: ServiceFactory) -> None:
    app = create_app(make_service(api_token=TOKEN, protect_reads=True))
    sessions: Sessions = app.state.sessions
    now = [1_800_000_000.0]
    sessions.clock = lambda: now[0]
    with TestClient(app) as client:
        for _ in range(MAX_FAILURES):
            assert client.post("/login", data={"token": "wrong"}).status_code == 401
        locked = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= WINDOW + 1
        now[0] += WINDOW + 1
        assert client.post("/login", data={"token": TOKEN}, follow_redirects=False).status_code == 303


def test_the_book_of_failures_is_bounded() -> None:
    sessions = Sessions(clock=lambda: 1_800_000_000.0)
    for n in range(CAPACITY + 500):
        sessions.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}")
    assert sessions.remembered() <= CAPACITY


def test_a_wildcard_bind_without_allowed_hosts_is_warned_about() -> None:
    assert "set allowed_hosts" in (exposure_warning("0.0.0.0", ()) or "")  # noqa: S104 - a name compared
    assert exposure_warning("0.0.0.0", ("dist.example.org",)) is None  # noqa: S104
    assert exposure_warning("127.0.0.1", ()) is None


@postgresql_only
def test_the_database_away_is_a_503_that_says_so(
    database_url: str, make_service: ServiceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A restart or failover of the database is no bug of ours: 503 with Retry-After and words, in JSON and
    on the dashboard; one warning line a request, no traceback. Answers again once it is back."""
    with TestClient(create_app(make_service(database_url))) as client:
        assert client.get("/api/stats").status_code == 200
        with database_away(database_url):
            answer = client.get("/api/stats")
            page = client.get("/repos", headers={"Accept": "text/html"})
        assert client.get("/api/stats").status_code == 200, "back"
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.json() == {"error": "the database is unavailable; try again shortly"}
    assert page.status_code == 503 and "the database is unavailable" in page.text
    warned = [r for r in caplog.records if r.name == "distscout.web"]
    assert warned and all(r.exc_info is None and "database unavailable on" in r.getMessage() for r in warned)
