"""What a motion vote decides, for its ballot paper: the motion's text (as amended so far), or
an amendment's change shown against the motion and the motion as it would read if carried.

The ballot shows the same views the motion's page and the API show (``views.motion_out``,
``views.amendment_out``), so the two never disagree about an amendment ("replace line 3").
Cost: two indexed reads to find the motion or amendment, then those views' reads.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Amendment, Assembly, Motion
from assembly.motions.views import amendment_out, motion_out
from schemas.assemblies import AmendmentOut, MotionOut

__all__ = ["BallotPaper", "ballot_paper"]


@dataclass(frozen=True, slots=True)
class BallotPaper:
    """The motion a contest decides, and the amendment when the contest is on one."""

    motion: MotionOut
    amendment: AmendmentOut | None = None


async def ballot_paper(session: AsyncSession, contest_id: uuid.UUID) -> BallotPaper | None:
    """What the contest ``contest_id`` decides, or ``None`` when it is not a vote on a motion
    or an amendment (an election, a recall, a referendum, a motion contest defined alone).
    The caller has already checked that the viewer may see the contest."""
    amendment = await session.scalar(select(Amendment).where(Amendment.contest_id == contest_id))
    if amendment is not None:
        motion = await session.get(Motion, amendment.motion_id)
    else:
        motion = await session.scalar(select(Motion).where(Motion.contest_id == contest_id))
    if motion is None:
        return None
    assembly = await session.get(Assembly, motion.assembly_id)
    if assembly is None:
        return None
    shown = await motion_out(session, motion, assembly, amendments=False)
    if amendment is None:
        return BallotPaper(shown)
    return BallotPaper(shown, await amendment_out(session, amendment, motion, assembly))
