"""Who is signed in to the pages: a stateless session cookie holding the sign-on's token.

The cookie (``plenary_session``: HttpOnly, SameSite=Lax, Secure unless plain http on a loopback
address) holds the very token the organisation's sign-on issued, and every request checks it
again with the service's ``TokenVerifier``: its signature, issuer, audience and expiry. Nothing
is kept on the server, so any process behind a load balancer serves any request, and the
session ends when the token expires. The middleware puts the :class:`~service.auth.Identity` in
the request scope, where the API's helpers (``identity_of``) find it. Cost: one signature check
per page.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import jwt
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.types import ASGIApp, Receive, Scope, Send

from service.auth import Identity, TokenVerifier
from service.web.settings import WebSettings

__all__ = [
    "LANGUAGE_COOKIE",
    "SESSION_COOKIE",
    "SessionMiddleware",
    "SignInRequired",
    "cookie_is_secure",
    "end_session",
    "signed_in",
    "start_session",
]

SESSION_COOKIE = "plenary_session"
LANGUAGE_COOKIE = "plenary_lang"


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


def _session_identity(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity | None:
    token = connection.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    verifier: TokenVerifier = connection.app.state.token_verifier
    try:
        return verifier.verify(token)
    except NotAuthorizedException:
        return None


class SessionMiddleware:
    """Reads the session cookie on every page request and, when its token still verifies,
    sets ``scope["user"]`` to the identity and ``scope["auth"]`` to the token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            identity = _session_identity(connection)
            if identity is not None:
                scope["user"] = identity
                scope["auth"] = connection.cookies.get(SESSION_COOKIE)
        await self.app(scope, receive, send)


def signed_in(request: Request[Any, Any, Any]) -> Identity:
    """The signed-in person, or ``SignInRequired`` (answered with the sign-in page)."""
    user = request.scope.get("user")
    if not isinstance(user, Identity):
        raise SignInRequired("sign in to see this page")
    return user


def _expiry(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims.get("exp", 0))


def start_session(
    request: Request[Any, Any, Any], response: Response[Any], token: str, web: WebSettings
) -> Identity:
    """Check ``token`` with the service's verifier and keep it in the session cookie until it
    expires. ``NotAuthorizedException`` (saying what is wrong) when it does not verify."""
    verifier: TokenVerifier = request.app.state.token_verifier
    identity = verifier.verify(token)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max(_expiry(token) - int(time.time()), 0),
        path="/",
        secure=cookie_is_secure(request, web),
        httponly=True,
        samesite="lax",
    )
    return identity


def end_session(response: Response[Any]) -> None:
    """Forget the session cookie (sign out)."""
    response.delete_cookie(SESSION_COOKIE, path="/")
