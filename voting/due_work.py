"""Which contests have a timetabled step due: the contest clock's work, as queries and steps.

A draft opens at its ``opens_at`` (unless its closing time has already passed: its window is
gone, and it is reported for a returning officer to define again); an open contest closes at
its ``closes_at``. Times are compared by the database's clock, so every service process agrees.
The runner (``service.due_work``) takes each due contest ``FOR NO KEY UPDATE SKIP LOCKED``: that
conflicts with another runner and with a returning officer's step, but not with casts (which
hold the row ``FOR KEY SHARE``); the step itself then locks the row ``FOR UPDATE``, which waits
for the casts in flight, so no ballot lands after the box closes.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, or_, select

from voting.models import Contest

__all__ = ["due_to_close", "due_to_open", "missed_opening", "published_contests"]


def due_to_open() -> Select[uuid.UUID]:
    """Drafts whose opening time has passed while their window is still ahead, earliest first."""
    return (
        select(Contest.id)
        .where(
            Contest.state == "draft",
            Contest.opens_at <= func.now(),
            or_(Contest.closes_at.is_(None), Contest.closes_at > func.now()),
        )
        .order_by(Contest.opens_at)
    )


def due_to_close() -> Select[uuid.UUID]:
    """Open contests whose closing time has passed, earliest first."""
    return (
        select(Contest.id)
        .where(Contest.state == "open", Contest.closes_at <= func.now())
        .order_by(Contest.closes_at)
    )


def missed_opening() -> Select[uuid.UUID]:
    """Drafts whose closing time passed before they ever opened: never opened by a clock."""
    return select(Contest.id).where(Contest.state == "draft", Contest.closes_at <= func.now())


def published_contests() -> Select[uuid.UUID]:
    """Contests whose result is published (for other packages' due work to wait on)."""
    return select(Contest.id).where(Contest.state == "published")
