"""Server-side sessions for the pages: a random id in the cookie, its SHA-256 in PostgreSQL.

``rules`` holds the timing rules (idle and absolute timeouts) as plain functions over an
injected clock; ``store`` keeps the rows (``web_session``) and is the only code that touches
them. ``service.web.session`` wires both into the pages.
"""

from __future__ import annotations

from service.sessions.rules import Clock, SessionPolicy, system_clock
from service.sessions.store import (
    SignedInSession,
    close_session,
    close_sessions_of,
    find_session,
    open_session,
    web_session,
)

__all__ = [
    "Clock",
    "SessionPolicy",
    "SignedInSession",
    "close_session",
    "close_sessions_of",
    "find_session",
    "open_session",
    "system_clock",
    "web_session",
]
