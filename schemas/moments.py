"""The one clock and the one way a moment is written.

Domain functions take ``at`` (or ``now``) so tests move time instead of waiting for it; when
none is given they ask ``now``. Every moment written into a log entry, a record or a message
is UTC with a ``Z``: ``2026-11-20T18:00:00Z``. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["now", "utc_text"]


def now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def utc_text(moment: dt.datetime, *, whole_seconds: bool = False) -> str:
    """``moment`` in UTC as ISO 8601 with ``Z``; to the second when ``whole_seconds``."""
    utc = moment.astimezone(dt.UTC)
    if whole_seconds:
        utc = utc.replace(microsecond=0)
    return utc.isoformat().replace("+00:00", "Z")
