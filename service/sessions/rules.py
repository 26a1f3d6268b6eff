"""When a session lives and dies: idle and absolute timeouts, over a clock passed in.

A session ends at whichever comes first: ``idle`` after it was last used, or ``absolute``
after it began, however busy it has been. Its id is 32 random bytes (256 bits) that only the
browser holds; the database keeps only its SHA-256, so a copy of the table signs no one in.
The last-used time is written at most once per ``touch_every`` (a minute at most), not on every
page, which keeps a busy session to one read per page. All functions are pure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Clock",
    "SessionPolicy",
    "digest",
    "is_live",
    "needs_touch",
    "new_secret",
    "system_clock",
]

Clock = Callable[[], dt.datetime]
"""Now, timezone-aware. The service uses :func:`system_clock`; tests pass one they move."""


def system_clock() -> dt.datetime:
    """The machine's clock, in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions last (settings ``PLENARY_SESSION_IDLE`` and ``PLENARY_SESSION_MAX``)."""

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)

    @property
    def touch_every(self) -> dt.timedelta:
        """How stale the last-used time may be before it is written again."""
        return min(dt.timedelta(minutes=1), self.idle / 4)

    def ends_at(self, started: dt.datetime) -> dt.datetime:
        """The absolute end of a session started at ``started``."""
        return started + self.absolute


def new_secret() -> str:
    """A fresh session id for the cookie (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the database keeps of a session id: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_live(
    *, last_seen: dt.datetime, expires_at: dt.datetime, now: dt.datetime, policy: SessionPolicy
) -> bool:
    """Whether a session last used at ``last_seen`` and ending at ``expires_at`` holds ``now``."""
    return now < expires_at and now - last_seen < policy.idle


def needs_touch(*, last_seen: dt.datetime, now: dt.datetime, policy: SessionPolicy) -> bool:
    """Whether using the session ``now`` should write its last-used time."""
    return now - last_seen >= policy.touch_every
