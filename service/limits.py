"""Request body size limits: a global cap, and a bigger one for the member roll import.

Every request body is capped at ``PLENARY_MAX_BODY_BYTES`` (1 MiB by default: the largest
election set-up is a few kilobytes); a route whose handler says ``opt={"large_body": True}``
(the CSV roll import) is capped at ``PLENARY_MAX_CSV_BYTES`` instead. A body over its cap is
refused with 413 problem+json naming the limit and the setting: at once when
``Content-Length`` announces it, else as soon as the streamed bytes pass the cap, so an
oversized body is never held in memory. Cost: one integer comparison per chunk received.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.exceptions import ClientException
from litestar.types import ASGIApp

from service.settings import Settings

Scope = Any
Message = Any
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]

__all__ = ["LARGE_BODY", "BodySizeLimitMiddleware", "BodyTooLarge", "body_limit_for"]

LARGE_BODY = "large_body"
"""The handler ``opt`` key that gives a route the CSV import's larger cap."""


class BodyTooLarge(ClientException):
    """A request body over its cap (413)."""

    status_code = 413


def body_limit_for(route_handler: Any, settings: Settings) -> tuple[int, str]:
    """The cap for ``route_handler``'s bodies and the setting that sets it."""
    opt = getattr(route_handler, "opt", None) or {}
    if opt.get(LARGE_BODY):
        return settings.max_csv_bytes, "PLENARY_MAX_CSV_BYTES"
    return settings.max_body_bytes, "PLENARY_MAX_BODY_BYTES"


def _announced_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimitMiddleware:
    """Refuses request bodies over the route's cap with 413 (an ASGI middleware)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = body_limit_for(scope.get("route_handler"), self.settings)

        def refuse(size: str) -> BodyTooLarge:
            return BodyTooLarge(
                f"the request body is {size}; the limit here is {limit} bytes ({setting})"
            )

        announced = _announced_length(scope)
        if announced is not None and announced > limit:
            raise refuse(f"{announced} bytes")
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise refuse(f"more than {limit} bytes")
            return message

        await self.app(scope, counted, send)
