"""One line per request, with its id and duration, and every answer counted by status.

``RequestObserver`` wraps the whole application, outside Litestar's own exception handling and
routing, so it sees every answer: a 404 for a path no route matches, a 401 from the token check
and a 429 from the rate limiter as well as what the handlers return. (Litestar's Prometheus
middleware runs per route, inside the exception handler, so it records a refusal raised by a
middleware or a handler as a 200.) For each request it:

- takes the caller's ``X-Request-ID`` when it is a plain token (1 to 64 characters of
  ``[A-Za-z0-9._-]``), or makes one, binds it to every log line written while the request is
  served (structlog context variables; the refusal line ``refused …`` carries it) and echoes
  it in the response's ``X-Request-ID`` header;
- writes one INFO line ``request`` with the method, the path (never the query string), the
  status, the duration in milliseconds and the request id: never a header, a body or a token
  (``/health`` and ``/metrics``, polled every few seconds, are left out);
- counts the answer in ``plenary_responses_total{status="…"}``.

Cost: a regular-expression match, a counter increment and, at INFO, one log line per request.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any, Final

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from prometheus_client import Counter

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "RESPONSES",
    "RequestObserver",
    "observe_requests",
    "request_id_from",
]

REQUEST_ID_HEADER: Final = "X-Request-ID"

RESPONSES: Final = Counter(
    "plenary_responses",
    "HTTP answers by status, including refusals made before a route is reached (401, 404, 429)",
    labelnames=["status"],
)

_SANE_ID: Final = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_QUIET: Final = frozenset({"/health", "/metrics"})


def request_id_from(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is a plain token of at most 64 characters, or a new
    random one (anything else a caller sends is not repeated into the logs)."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


class RequestObserver:
    """The ASGI wrapper described in the module's docstring; ``app`` is the whole application."""

    def __init__(self, app: ASGIApp, *, log_lines: bool = True) -> None:
        self.app = app
        self.log_lines = log_lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500  # what the server answers if the application sends nothing

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, observed_send)
            finally:
                RESPONSES.labels(status=str(status)).inc()
                path: str = scope.get("path", "")
                if self.log_lines and path not in _QUIET:
                    # Asked for each time: structlog caches a logger on its first use, and
                    # the stream under it may be replaced (as pytest does) after that.
                    structlog.get_logger("plenary.requests").info(
                        "request",
                        method=scope.get("method", ""),
                        path=path,
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 1),
                    )


def observe_requests(app: Any, *, log_lines: bool = True) -> None:
    """Wrap ``app`` (a Litestar application) in a ``RequestObserver``, outermost, so nothing it
    answers escapes it. ``log_lines=False`` (a level above INFO) skips the request line; the
    id and the count remain."""
    app.asgi_handler = RequestObserver(app.asgi_handler, log_lines=log_lines)
