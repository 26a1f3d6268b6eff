"""Forgery protection for every form: a token bound to the session, checked on each POST.

The token is an HMAC of a fixed label keyed by the session cookie (or, before signing in, by a
random ``plenary_anon`` cookie), so it needs no server-side state and no shared secret: another
site can make a browser send the cookies but cannot read them, so it cannot compute the token.
SameSite=Lax cookies are a second line. Every page form carries it as the hidden field
``csrf``; a POST without the right one is refused with 403. Cost: one HMAC per form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request, Response
from litestar.exceptions import PermissionDeniedException

from service.web.session import SESSION_COOKIE, cookie_is_secure
from service.web.settings import WebSettings

__all__ = [
    "ANON_COOKIE",
    "CSRF_FIELD",
    "check_csrf",
    "csrf_token",
    "ensure_anon_cookie",
    "set_anon_cookie",
]

ANON_COOKIE = "plenary_anon"
CSRF_FIELD = "csrf"
_LABEL = b"plenary csrf v1"
_ANON_STATE = "web_anon_cookie"


def _token_for(key: str) -> str:
    mac = hmac.new(key.encode(), _LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _key(request: Request[Any, Any, Any]) -> str | None:
    return (
        request.cookies.get(SESSION_COOKIE)
        or request.scope.get("state", {}).get(_ANON_STATE)
        or request.cookies.get(ANON_COOKIE)
    )


def csrf_token(request: Request[Any, Any, Any]) -> str:
    """The token the forms on this page carry (empty if there is no cookie to bind it to)."""
    key = _key(request)
    return _token_for(key) if key else ""


def ensure_anon_cookie(request: Request[Any, Any, Any]) -> str | None:
    """A fresh anonymous cookie value when the visitor has neither session nor one; the page
    sets it (see :func:`set_anon_cookie`) so the sign-in forms can carry a token."""
    if request.cookies.get(SESSION_COOKIE) or request.cookies.get(ANON_COOKIE):
        return None
    value = secrets.token_urlsafe(32)
    request.scope.setdefault("state", {})[_ANON_STATE] = value
    return value


def set_anon_cookie(
    request: Request[Any, Any, Any], response: Response[Any], value: str, web: WebSettings
) -> None:
    """Keep the anonymous cookie for a day (HttpOnly, SameSite=Lax)."""
    response.set_cookie(
        ANON_COOKIE,
        value,
        max_age=86400,
        path="/",
        secure=cookie_is_secure(request, web),
        httponly=True,
        samesite="lax",
    )


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Refuse a form POST whose ``csrf`` field is missing or wrong (403, saying what to do)."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    key = request.cookies.get(SESSION_COOKIE) or request.cookies.get(ANON_COOKIE)
    if not isinstance(sent, str) or not key or not hmac.compare_digest(sent, _token_for(key)):
        raise PermissionDeniedException(
            "this form has expired or did not come from this site; go back, reload the page "
            "and send it again"
        )
