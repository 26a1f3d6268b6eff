"""Who is signed in to the pages: a server-side session in PostgreSQL, named by a cookie.

The cookie (``plenary_session``: HttpOnly, SameSite=Lax, Secure unless plain http on a loopback
address) holds a random id; the database keeps only its SHA-256 (``service.sessions``), with
the subject, roles and times. Every page request looks it up (one indexed read, and a write of
its last-used time at most once a minute), so signing out, "sign out everywhere", a suspension
or a revoked grant ends it at once, on every process behind the load balancer: a copied cookie
stops working. Each sign-in gets a new id. The middleware puts the
:class:`~service.auth.Identity` in the request scope, where ``identity_of`` finds it.
Time comes from ``app.state.clock`` when set (tests move it), else the system clock.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth import Identity
from service.sessions import (
    Clock,
    close_session,
    close_sessions_of,
    find_session,
    open_session,
    system_clock,
)
from service.signin.settings import SignInSettings
from service.web.settings import WebSettings

__all__ = [
    "LANGUAGE_COOKIE",
    "SESSION_COOKIE",
    "SessionMiddleware",
    "SignInRequired",
    "clock_of",
    "cookie_is_secure",
    "end_session",
    "end_sessions_everywhere",
    "session_identity",
    "signed_in",
    "start_session",
]

SESSION_COOKIE = "plenary_session"
LANGUAGE_COOKIE = "plenary_lang"
_ENGINE_KEY = "db_engine"

_log = logging.getLogger("plenary.sessions")


class SignInRequired(NotAuthorizedException):
    """The page needs someone signed in; the pages answer it with a redirect to sign in."""


def _loopback(host: str) -> bool:
    if host in {"localhost", "testserver"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cookie_is_secure(connection: ASGIConnection[Any, Any, Any, Any], web: WebSettings) -> bool:
    """Whether cookies get the Secure flag: always behind TLS; on plain http only a loopback
    address (the demo on 127.0.0.1) goes without, unless the settings say otherwise."""
    if web.secure_cookies != "auto":
        return web.secure_cookies == "always"
    return not (connection.url.scheme == "http" and _loopback(connection.url.hostname or ""))


def clock_of(state: State) -> Clock:
    """The app's clock: ``app.state.clock`` when a test set one, else the system clock."""
    clock = state.get("clock")
    return clock if callable(clock) else system_clock


def _engine(state: State) -> AsyncEngine:
    engine: AsyncEngine = state[state.get("db_engine_key", _ENGINE_KEY)]
    return engine


async def session_identity(state: State, secret: str | None) -> Identity | None:
    """Who the session with cookie value ``secret`` is, or None when it is not live."""
    if not secret:
        return None
    sign_in = SignInSettings.for_service(state.settings)
    async with _engine(state).begin() as conn:
        found = await find_session(conn, secret, now=clock_of(state)(), policy=sign_in.policy)
    if found is None:
        return None
    return Identity(subject=found.subject, roles=found.roles)


class SessionMiddleware:
    """Reads the session cookie on every page request and, when its session is live, sets
    ``scope["user"]`` to the identity."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            secret = connection.cookies.get(SESSION_COOKIE)
            identity = await session_identity(connection.app.state, secret)
            if identity is not None:
                scope["user"] = identity
                scope["auth"] = None
        await self.app(scope, receive, send)


def signed_in(request: Request[Any, Any, Any]) -> Identity:
    """The signed-in person, or ``SignInRequired`` (answered with the sign-in page)."""
    user = request.scope.get("user")
    if not isinstance(user, Identity):
        raise SignInRequired("sign in to see this page")
    return user


async def start_session(
    request: Request[Any, Any, Any],
    response: Response[Any],
    identity: Identity,
    *,
    method: str,
) -> None:
    """Start a new session for ``identity`` (ending the one this browser had, if any) and put
    its id in the cookie. Committed before the answer goes out."""
    state = request.app.state
    sign_in = SignInSettings.for_service(state.settings)
    now = clock_of(state)()
    old = request.cookies.get(SESSION_COOKIE)
    async with _engine(state).begin() as conn:
        if old:
            await close_session(conn, old)
        secret = await open_session(
            conn,
            subject=identity.subject,
            roles=sorted(identity.roles),
            method=method,
            now=now,
            policy=sign_in.policy,
        )
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=sign_in.session_max_seconds,
        path="/",
        secure=cookie_is_secure(request, WebSettings.for_service(state.settings)),
        httponly=True,
        samesite="lax",
    )
    _log.info("session started", extra={"method": method})


async def end_session(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    """Sign out: delete this browser's session row and forget the cookie."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        async with _engine(request.app.state).begin() as conn:
            await close_session(conn, secret)
    response.delete_cookie(SESSION_COOKIE, path="/")


async def end_sessions_everywhere(
    request: Request[Any, Any, Any], response: Response[Any], subject: str
) -> int:
    """Sign ``subject`` out on every browser; how many sessions ended."""
    async with _engine(request.app.state).begin() as conn:
        ended = await close_sessions_of(conn, subject)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return ended
