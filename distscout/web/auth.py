"""Bearer-token checks. Admin routes fail closed: with no token configured they answer 503, never open.

Read routes (API, pages, /metrics) need the token only with `protect_reads`; a browser then presents the
signed session cookie that `POST /login` sets (pages cannot send headers; the cookie never holds the token:
sessions.py). Admin routes take the header only, so a cookie can never be used to forge an admin request
from another site.
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from distscout.web.service import Service
from distscout.web.sessions import Sessions

COOKIE = "distscout_session"
HOW_TO_CONFIGURE = "set DISTSCOUT_API_TOKEN, or api_token in the configuration file"


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.sessions
    return found


def token_matches(service: Service, presented: str | None) -> bool:
    expected = service.settings.api_token
    if expected is None or presented is None:
        return False
    return hmac.compare_digest(presented.encode(), expected.get_secret_value().encode())


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_admin(request: Request) -> None:
    current = service(request)
    if current.settings.api_token is None:
        raise HTTPException(503, f"admin routes are closed: no API token is configured ({HOW_TO_CONFIGURE})")
    if not token_matches(current, bearer(request)):
        raise _unauthorized("this route needs the API token: Authorization: Bearer <token>")


def require_reader(request: Request) -> None:
    current = service(request)
    if not current.settings.protect_reads:
        return
    if current.settings.api_token is None:
        raise HTTPException(503, f"protect_reads is on, but no API token is configured ({HOW_TO_CONFIGURE})")
    presented = bearer(request)
    if presented is not None:
        signed_in = token_matches(current, presented)
    else:
        token = current.settings.api_token.get_secret_value()
        signed_in = sessions(request).valid(token, request.cookies.get(COOKIE))
    if not signed_in:
        raise _unauthorized("reads are protected: send Authorization: Bearer <token>, or sign in at /login")


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="distscout"'})
