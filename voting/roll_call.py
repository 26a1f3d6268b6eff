"""Who voted how in a recorded (roll-call) contest: the one list the result, the assembly's
record and the audit bundle all publish.

A recorded contest's ballots carry the member (``ContestBallot.member_id``); a secret one's
never do, so a secret contest has no roll call at all (``None``). Members are named by their
membership numbers (``roll.members.numbers_of``), in that order. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.members import numbers_of
from schemas.bundle import BallotContent, RecordedVote
from voting.models import Contest, ContestBallot

__all__ = ["ballot_content", "roll_call_of"]


def ballot_content(content: bytes) -> BallotContent:
    """A stored ballot's canonical JSON as the published shape."""
    document = json.loads(content)
    return BallotContent(
        choice=document.get("choice"),
        ranking=document.get("ranking"),
        weight=document.get("weight"),
    )


async def roll_call_of(session: AsyncSession, contest: Contest) -> list[RecordedVote] | None:
    """Every recorded vote, by membership number; ``None`` for a secret contest.
    Cost: one read of the contest's ballots and one look-up of their members' numbers."""
    if contest.secret:
        return None
    rows = (
        await session.execute(
            select(ContestBallot.member_id, ContestBallot.content).where(
                ContestBallot.contest_id == contest.id, ContestBallot.member_id.is_not(None)
            )
        )
    ).all()
    recorded = [(row[0], bytes(row[1])) for row in rows if row[0] is not None]
    numbers = await numbers_of(session, (member for member, _ in recorded))
    return sorted(
        (
            RecordedVote(member=numbers[member], ballot=ballot_content(content))
            for member, content in recorded
        ),
        key=lambda vote: vote.member,
    )
