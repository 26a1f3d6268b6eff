"""Votes counted by hand in the hall: a show of hands, counted by tellers, entered by the chair.

When standing orders allow it (``vote_methods`` holds ``show_of_hands``), the chair may take
an amendment's or a motion's vote by show of hands instead of a ballot. No contest opens and
nobody votes online; the chair then enters the tellers' figures, which are decided under the
same majority rule as a ballot (``tally.majority.count_motion``, against the active members in
the motion's scope now) and kept on the motion, marked as a hand count with the tellers' names.
The log carries the figures, the outcome and a digest of the tellers' names (never the names).
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import orders_of
from assembly.models import Assembly, Motion
from assembly.motions.motions import MotionStateError, log_motion
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.members import electorate_of
from roll.scope import Scope
from schemas.assemblies import HandCountIn
from schemas.moments import utc_text
from schemas.problems import DomainError
from tally.majority import count_motion

__all__ = ["decide_by_hands", "open_hand_vote"]


def open_hand_vote(motion: Motion, subject: str, ident: uuid.UUID, moment: dt.datetime) -> None:
    """The hall votes on ``subject`` (``amendment`` or ``motion``) by show of hands now."""
    motion.open_hand_vote = {"subject": subject, "id": str(ident), "opened_at": utc_text(moment)}


async def decide_by_hands(
    session: AsyncSession,
    motion: Motion,
    assembly: Assembly,
    figures: HandCountIn | None,
    moment: dt.datetime,
) -> str:
    """Decide the show of hands open on ``motion`` from the tellers' ``figures``: its outcome
    (carried, lost or inquorate), kept on the motion and logged. Caller commits.
    Cost: one count of the electorate in scope."""
    held = motion.open_hand_vote
    if held is None:
        raise MotionStateError(f"no vote is being taken by show of hands on motion {motion.number}")
    if figures is None:
        raise DomainError(
            "this vote was taken by show of hands: give the tellers' figures (for, against, "
            "abstain) and their names",
            title="The tellers' figures are needed",
        )
    electorate = await electorate_of(session, Scope.parse(motion.scope))
    rule = orders_of(assembly).rule_for(motion.category)
    try:
        result = count_motion(rule, figures.for_, figures.against, figures.abstain, electorate)
    except ValueError as exc:
        raise DomainError(f"the tellers' figures cannot stand: {exc}") from None
    decided = result.to_dict()
    record: dict[str, Any] = {
        **held,
        "method": "show_of_hands",
        "decided_at": utc_text(moment),
        "outcome": decided["outcome"],
        "figures": decided,
        "choices": {"for": figures.for_, "against": figures.against, "abstain": figures.abstain},
        "tellers": list(figures.tellers),
    }
    motion.hand_counts = [*motion.hand_counts, record]
    motion.open_hand_vote = None
    await log_motion(
        session,
        motion,
        "hand_count",
        "chair",
        subjects={held["subject"]: held["id"]},
        digests={"tellers": digest_of(canonical_json(list(figures.tellers)))},
        facts={
            "for": figures.for_,
            "against": figures.against,
            "abstain": figures.abstain,
            "electorate": electorate,
            "outcome": str(decided["outcome"]),
        },
    )
    return str(decided["outcome"])
