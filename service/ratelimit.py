"""Rate limits on casting and signing in, per member and per address, counted in PostgreSQL.

Several service processes stand behind one load balancer, so the counters live in the shared
database, never in a process: one ``UNLOGGED`` table of fixed windows (``rate_limit_window``),
bumped with a single ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per limited request, the
window taken from the database's clock so every process agrees on it. An unlogged table skips
the write-ahead log (a crash empties it, which forgives everybody: acceptable for counters).

What is limited (each limit is a setting; 0 switches it off):

- **casting** (``POST /api/v1/contests/{id}/ballots`` and the page's ``…/cast``): per member
  (``PLENARY_CAST_RATE_PER_MEMBER``) and per address (``PLENARY_CAST_RATE_PER_ADDRESS``; set it
  high where a venue's members share one address);
- **signing in**: the pages' sign-in endpoints, per member (the subject of a token that
  verifies, or the demo subject) and per address; and, on the API, every bearer token that
  fails to verify counts against its address and, in a bucket of its own, its claimed subject,
  so tokens cannot be guessed fast. Junk claiming a member's subject never counts against
  that member's own sign-in: it would lock them out without any credential (issue 14).

Answers on limited requests carry ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset`` (draft-ietf-httpapi-ratelimit-headers-07, for the limit closest to running
out) and ``RateLimit-Policy``; past a limit the answer is 429 with ``Retry-After``, problem+json
on the API (an error page on the pages). Bucket keys are HMAC-SHA-256 digests under the
deployment's rate-limit secret (``keys/rate-limit.secret``, generated on first start, or
``PLENARY_RATE_LIMIT_SECRET``), so the table holds no membership number or address, and a
database operator cannot test a membership number against it to learn who voted in which
minute. A window's rows are deleted once it has ended (on the next limited request in a later
window; one in 128 requests also sweeps anything older). Cost: one round trip to PostgreSQL
per limited request, and one signature check to learn who is calling.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs

import jwt
from advanced_alchemy.base import orm_registry
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.types import ASGIApp
from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth import verified_once
from service.keys import rate_limit_secret
from service.proxies import TrustedProxies
from service.settings import Settings
from service.web.session import SESSION_COOKIE, session_identity

Scope = Any
Message = Any
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]

__all__ = [
    "CAST",
    "LIMITED_ROUTES",
    "SIGN_IN",
    "RateLimitMiddleware",
    "Standing",
    "count_hits",
    "rate_limit_headers_hook",
    "rate_limit_window",
]

CAST: Final = "cast"
SIGN_IN: Final = "sign_in"

LIMITED_ROUTES: Final[dict[tuple[str, str], str]] = {
    ("POST", "/api/v1/contests/{contest_id}/ballots"): CAST,
    ("POST", "/contests/{contest_id}/cast"): CAST,
    ("POST", "/sign-in/token"): SIGN_IN,
    ("POST", "/sign-in/demo"): SIGN_IN,
    ("POST", "/sign-in/code"): SIGN_IN,
}
"""(method, path template) → the limit it falls under. A test checks each still exists."""

_API_PREFIX: Final = "/api/v1/"
_SCOPE_KEY: Final = "plenary.rate_limit"
_CLEANUP_CHANCE: Final = 1 / 128

rate_limit_window = Table(
    "rate_limit_window",
    orm_registry.metadata,
    Column("bucket", String(64), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("hits", Integer, nullable=False),
    Index("ix_rate_limit_window_window_start", "window_start"),
    prefixes=["UNLOGGED"],
    comment="fixed-window request counters for rate limits (unlogged: a crash resets them)",
)

_HIT_SQL: Final = """
INSERT INTO rate_limit_window AS w (bucket, window_start, hits)
SELECT b.bucket, (floor(extract(epoch FROM clock_timestamp()) / :window) * :window)::bigint, 1
FROM (VALUES {rows}) AS b(bucket)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = w.hits + 1
RETURNING w.bucket, w.hits, w.window_start, extract(epoch FROM clock_timestamp())::float8
"""

_CLEANUP_SQL: Final = text(
    "DELETE FROM rate_limit_window "
    "WHERE window_start < (floor(extract(epoch FROM clock_timestamp()) / :window) * :window)"
    "::bigint"
)


@dataclass(frozen=True, slots=True)
class Standing:
    """Where one counter stands in its window: ``used`` includes this request."""

    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


def bucket(secret: bytes, key: str) -> str:
    """The row a counter is kept in: keyed, so the key cannot be guessed back from it."""
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


async def count_hits(
    engine: AsyncEngine,
    counters: Sequence[tuple[str, int]],
    window: int,
    *,
    secret: bytes,
    sweep: bool = False,
) -> list[Standing]:
    """Count one hit on each ``(key, limit)`` counter in the current window of ``window``
    seconds and say where each stands. Cost: one ``INSERT … RETURNING`` (and, with ``sweep``
    or on one call in 128, a ``DELETE`` of the windows that have ended), committed at once."""
    distinct = list(dict.fromkeys(key for key, _ in counters))
    if not distinct:
        return []
    params: dict[str, Any] = {"window": window}
    params.update({f"b{i}": bucket(secret, key) for i, key in enumerate(distinct)})
    rows = ", ".join(f"(:b{i})" for i in range(len(distinct)))
    async with engine.begin() as conn:
        result = await conn.execute(text(_HIT_SQL.format(rows=rows)), params)
        found = {row: (hits, start, now) for row, hits, start, now in result.all()}
        if sweep or random.random() < _CLEANUP_CHANCE:
            await conn.execute(_CLEANUP_SQL, {"window": window})
    standings = []
    for key, limit in counters:
        hits, start, now = found[bucket(secret, key)]
        reset = max(int(start + window - now + 0.999), 1)
        standings.append(Standing(limit=limit, used=int(hits), reset=reset))
    return standings


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _bearer(scope: Scope) -> str | None:
    header = _header(scope, b"authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _claimed_subject(token: str) -> str | None:
    """The ``sub`` a token claims, unverified (for counting failures against it)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject[:128] if isinstance(subject, str) and subject else None


async def _verified_subject(scope: Scope, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return (await verified_once(scope, token)).subject
    except NotAuthorizedException:
        return None


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a ``receive`` that hands it to the app again."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _form_field(body: bytes, scope: Scope, *names: str) -> str | None:
    content_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    fields = parse_qs(body.decode("utf-8", "replace"))
    for name in names:
        values = fields.get(name)
        if values and values[0].strip():
            return values[0].strip()
    return None


class RateLimitMiddleware:
    """Counts limited requests, refuses those past a limit with 429 and leaves the
    ``RateLimit-*`` headers for :func:`rate_limit_headers_hook` to put on the answer."""

    def __init__(self, app: ASGIApp, settings: Settings, engine_key: str = "db_engine") -> None:
        """``engine_key``: where the app's state keeps the database engine."""
        self.app = app
        self.settings = settings
        self.engine_key = engine_key
        self.proxies = TrustedProxies.parse(settings.trusted_proxies)
        self.secret = rate_limit_secret(settings)
        self._swept = -1  # the window this process last swept ended windows in
        self.limits = {
            CAST: (settings.cast_rate_per_member, settings.cast_rate_per_address),
            SIGN_IN: (settings.sign_in_rate_per_member, settings.sign_in_rate_per_address),
        }

    def _counters(
        self, kind: str, member: str | None, address: str, *, member_bucket: str = "member"
    ) -> list[tuple[str, int]]:
        per_member, per_address = self.limits[kind]
        counters = []
        if member and per_member:
            counters.append((f"{kind}:{member_bucket}:{member}", per_member))
        if per_address:
            counters.append((f"{kind}:address:{address}", per_address))
        return counters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        kind = LIMITED_ROUTES.get((method, str(scope.get("path_template", ""))))
        counters: list[tuple[str, int]] = []
        address = self.proxies.client_address(scope)
        bearer = _bearer(scope) if scope.get("path", "").startswith(_API_PREFIX) else None
        member = await _verified_subject(scope, bearer)
        if bearer and member is None:
            counters += self._counters(
                SIGN_IN, _claimed_subject(bearer), address, member_bucket="claimed"
            )
        if kind == CAST:
            if member is None and not bearer:
                identity = await session_identity(
                    scope["app"].state, _cookie(scope, SESSION_COOKIE)
                )
                member = identity.subject if identity is not None else None
            counters += self._counters(CAST, member, address)
        elif kind == SIGN_IN:
            body, receive = await _buffered(receive)
            claimed = _form_field(body, scope, "subject")
            if claimed is None:
                claimed = await _verified_subject(scope, _form_field(body, scope, "token"))
            counters += self._counters(SIGN_IN, claimed, address)
        if counters:
            await self._count(scope, counters)
        await self.app(scope, receive, send)

    async def _count(self, scope: Scope, counters: list[tuple[str, int]]) -> None:
        window = self.settings.rate_window_seconds
        engine: AsyncEngine = scope["app"].state[self.engine_key]
        current = int(time.time()) // window
        sweep, self._swept = current != self._swept, current
        standings = await count_hits(engine, counters, window, secret=self.secret, sweep=sweep)
        shown = min(standings, key=lambda s: (s.remaining, -s.reset))
        headers = {
            "RateLimit-Limit": str(shown.limit),
            "RateLimit-Remaining": str(shown.remaining),
            "RateLimit-Reset": str(shown.reset),
            "RateLimit-Policy": ", ".join(f"{s.limit};w={window}" for s in standings),
        }
        exceeded = [s for s in standings if s.exceeded]
        if exceeded:
            wait = max(s.reset for s in exceeded)
            headers["Retry-After"] = str(wait)
        scope.setdefault("state", {})[_SCOPE_KEY] = headers
        if exceeded:
            raise TooManyRequestsException(
                f"too many requests like this one; try again in {wait} seconds",
                headers=headers,
            )


def rate_limit_headers_hook() -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook putting the ``RateLimit-*`` (and a 429's ``Retry-After``)
    headers on whatever answer the request gets, error pages included."""

    async def add_rate_limit_headers(message: Message, scope: Scope) -> None:
        if message.get("type") != "http.response.start":
            return
        headers = scope.get("state", {}).get(_SCOPE_KEY)
        if not headers:
            return
        mutable = MutableScopeHeaders(message)
        for name, value in headers.items():
            if name == "Retry-After" and message.get("status") != 429:
                continue
            if mutable.get(name) is None:
                mutable[name] = value

    return add_rate_limit_headers
