"""The ``state`` that the token hand-off must carry, so no one can sign a victim in as
themselves (login CSRF).

The sign-in page issues a random ``state``, keeps it in a short-lived HttpOnly cookie
(``plenary_sign_in_state``) and passes it to the organisation's sign-on in the link. The
sign-on POSTs the token back to ``/sign-in/token`` with that ``state``; it must equal the
cookie, which another site can neither read nor set. The sign-on's POST comes from its own
site, so behind TLS the cookie is ``SameSite=None; Secure`` (sent on that cross-site POST);
on plain http on a loopback address (the demo) it is ``Lax``. One use: the hand-off clears it.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from litestar import Request, Response

from service.web.session import cookie_is_secure
from service.web.settings import WebSettings

__all__ = [
    "STATE_COOKIE",
    "STATE_SECONDS",
    "clear_state",
    "keep_state",
    "new_state",
    "state_matches",
]

STATE_COOKIE = "plenary_sign_in_state"
STATE_SECONDS = 900


def new_state() -> str:
    """A fresh ``state`` for the sign-in link (192 random bits)."""
    return secrets.token_urlsafe(24)


def keep_state(request: Request[Any, Any, Any], response: Response[Any], value: str) -> None:
    """Keep ``value`` in this browser's state cookie for the hand-off to check."""
    secure = cookie_is_secure(request, WebSettings.for_service(request.app.state.settings))
    response.set_cookie(
        STATE_COOKIE,
        value,
        max_age=STATE_SECONDS,
        path="/sign-in",
        secure=secure,
        httponly=True,
        samesite="none" if secure else "lax",
    )


def state_matches(request: Request[Any, Any, Any], sent: str) -> bool:
    """Whether ``sent`` is the ``state`` this browser's sign-in page issued."""
    held = request.cookies.get(STATE_COOKIE)
    return bool(held and sent and hmac.compare_digest(held.encode(), sent.encode()))


def clear_state(response: Response[Any]) -> None:
    """Use the ``state`` up."""
    response.delete_cookie(STATE_COOKIE, path="/sign-in")
