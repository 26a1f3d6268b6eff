"""Sessions follow the roll: a member the roll now marks suspended is signed out everywhere.

Called after every roll import (API and CLI), in the import's transaction, so the sessions end
when the new roll takes effect. Statuses come from the roll's own lookup, never from SQL
against its tables. Cost: two queries plus one delete per suspended member signed in.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from roll.members import member_statuses
from service.sessions.store import close_sessions_of, subjects_signed_in

__all__ = ["end_sessions_of_suspended"]

_log = logging.getLogger("plenary.sessions")


async def end_sessions_of_suspended(session: AsyncSession) -> int:
    """End every session whose member is suspended on the roll; how many members. The
    caller commits."""
    statuses = await member_statuses(session, await subjects_signed_in(session))
    suspended = [number for number, status in statuses.items() if status == "suspended"]
    for number in suspended:
        await close_sessions_of(session, number)
    if suspended:
        _log.info("sessions of suspended members ended", extra={"members": len(suspended)})
    return len(suspended)
