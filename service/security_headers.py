"""Security headers on every response: the browser's half of keeping pages safe.

A ``before_send`` hook (it sees every response, including the 404 of a path no route matches)
adds what a response does not already carry:

- ``Content-Security-Policy``: pages may run this site's own scripts and styles only, so no
  inline script or ``on…=`` handler can run (``script-src 'self'``), and no site may frame them
  (``frame-ancestors 'none'``); other answers (JSON, text, files) load nothing at all. The API
  documentation at ``/schema`` is a page like the others (``service.api_docs``).
- ``X-Frame-Options: DENY`` (frame denial for browsers without CSP level 2),
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- ``Strict-Transport-Security`` only when the request came over TLS (its own scheme, or a
  trusted proxy's ``X-Forwarded-Proto: https``): over plain http a browser ignores it, and the
  demo on ``http://127.0.0.1`` must not be pinned to https. ``PLENARY_HSTS_MAX_AGE=0`` omits it.

Follows the OWASP Secure Headers Project's recommendations, CSP Level 3 and RFC 6797 (HSTS).
Cost: a handful of header look-ups per response.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from litestar.datastructures import MutableScopeHeaders

from service.proxies import TrustedProxies
from service.settings import Settings

__all__ = ["API_CSP", "PAGE_CSP", "security_headers_hook"]

PAGE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
API_CSP: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

_ALWAYS: Final = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)

Hook = Callable[[Any, Any], Awaitable[None]]


def _policy_for(path: str, content_type: str | None) -> str:
    if content_type and content_type.lower().startswith("text/html"):
        return PAGE_CSP
    return API_CSP


def security_headers_hook(settings: Settings) -> Hook:
    """The ``before_send`` hook for an app with ``settings`` (proxies trusted, HSTS age)."""
    proxies = TrustedProxies.parse(settings.trusted_proxies)
    hsts = f"max-age={settings.hsts_max_age}; includeSubDomains" if settings.hsts_max_age else None

    async def add_security_headers(message: Any, scope: Any) -> None:
        if message.get("type") != "http.response.start" or scope.get("type") != "http":
            return
        headers = MutableScopeHeaders(message)
        for name, value in _ALWAYS:
            if headers.get(name) is None:
                headers[name] = value
        if headers.get("Content-Security-Policy") is None:
            headers["Content-Security-Policy"] = _policy_for(
                scope.get("path", ""), headers.get("Content-Type")
            )
        if hsts and proxies.is_https(scope) and headers.get("Strict-Transport-Security") is None:
            headers["Strict-Transport-Security"] = hsts

    return add_security_headers
