"""Whether to offer someone "Second this motion": the same eligibility the seconding itself
checks (``motions.second_motion``: an active member in the motion's scope, not its proposer),
plus whether they have seconded already (then they are offered the withdrawal instead).

The page offers only what would succeed for this person; the window and state are the page's
own test (the assembly open for motions, the motion submitted), as before.
Cost: one indexed join and one primary-key read.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Motion, MotionSeconder
from roll.eligibility import NotEligible, participant
from roll.scope import Scope

__all__ = ["SecondingOffer", "seconding_offer"]

SecondingOffer = Literal["second", "withdraw", "none"]
"""``second``: they may second it; ``withdraw``: they have seconded it; ``none``: neither."""


async def seconding_offer(session: AsyncSession, motion: Motion, subject: str) -> SecondingOffer:
    """What ``subject`` may do about seconding ``motion``."""
    try:
        seconder = await participant(session, subject, Scope.parse(motion.scope), "seconding it")
    except NotEligible:
        return "none"
    if seconder.member_id == motion.proposer_member_id:
        return "none"
    seconded = await session.scalar(
        select(MotionSeconder.member_id).where(
            MotionSeconder.motion_id == motion.id, MotionSeconder.member_id == seconder.member_id
        )
    )
    return "withdraw" if seconded is not None else "second"
