"""Amendments: line-range edits of a motion with their own seconders and admission.

Members in the motion's scope submit and second amendments while amendments are open; the chair
admits those with enough seconders or rules them out with a published reason; once voting on
the motion has begun, the chair may rule that an amendment which fell still applies, to a new
line range of the text as amended so far. Every change is logged with the digest of the
amendment. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.assemblies import orders_of, timetable_of, touch_assembly
from assembly.meetings.guards import require_chair
from assembly.meetings.standing_orders import seconding_count
from assembly.meetings.timetable import AssemblyStateError, amendments_window
from assembly.models import Amendment, AmendmentSeconder, Assembly, Motion
from assembly.motions.motions import RULING_STATES, MotionStateError, load_motion
from assembly.motions.text import AmendmentError, Edit, Lines, check_edit
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.eligibility import participant
from roll.scope import Scope
from schemas.assemblies import AmendmentCreate, ReinstateIn, SecondingOut
from schemas.moments import now
from schemas.problems import DomainError
from schemas.text import counted

__all__ = [
    "AmendmentNotFound",
    "admit_amendment",
    "amendment_change",
    "amendment_seconding",
    "edit_of",
    "load_amendment",
    "log_amendment",
    "reinstate_amendment",
    "rule_out_amendment",
    "second_amendment",
    "submit_amendment",
    "withdraw_amendment",
]


class AmendmentNotFound(DomainError):
    status = 404
    title = "No such amendment"


def edit_of(amendment: Amendment, *, current: bool = False) -> Edit:
    """The amendment as an edit: of the motion as submitted, or (``current``) of the text as
    amended so far during the vote."""
    start, end = amendment.start_line, amendment.end_line
    if current and amendment.current_start is not None and amendment.current_end is not None:
        start, end = amendment.current_start, amendment.current_end
    return Edit(amendment.action, start, end, tuple(amendment.paragraphs))  # type: ignore[arg-type]


def amendment_change(amendment: Amendment, motion: Motion) -> tuple[Lines, Edit]:
    """The text ``amendment`` would change if it were carried now, and the change in that
    text's numbering: while its motion is being voted and it still awaits its vote (or is being
    voted), the text as amended so far and its lines there (moved by an earlier carried
    amendment, or given by the chair's reinstatement); otherwise the motion as submitted.
    Its diff (``text.diff``), description and "motion if carried" (``text.apply``) are of this
    pair, so members always see the change the vote would make. Cost: one copy of the text."""
    if (
        motion.vote_state == "voting"
        and amendment.state in ("admitted", "voting")
        and motion.current_paragraphs is not None
        and amendment.current_start is not None
    ):
        return tuple(motion.current_paragraphs), edit_of(amendment, current=True)
    return tuple(motion.paragraphs), edit_of(amendment)


def _digest(action: str, start: int, end: int, paragraphs: list[str]) -> str:
    document = {"action": action, "start": start, "end": end, "paragraphs": paragraphs}
    return digest_of(canonical_json(document))


async def load_amendment(
    session: AsyncSession, amendment_id: uuid.UUID, *, lock: bool = False
) -> Amendment:
    """The amendment, optionally locked; ``AmendmentNotFound`` if there is none."""
    query = select(Amendment).where(Amendment.id == amendment_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    amendment = await session.scalar(query)
    if amendment is None:
        raise AmendmentNotFound(f"there is no amendment {amendment_id}")
    return amendment


async def log_amendment(
    session: AsyncSession,
    motion: Motion,
    amendment: Amendment,
    event: str,
    actor: str,
    *,
    digests: dict[str, str] | None = None,
    facts: dict[str, str | int | bool | None] | None = None,
    subjects: dict[str, str] | None = None,
) -> int:
    """Log ``amendment.<event>`` with its assembly, motion, digest, number and state."""
    return await log_event(
        session,
        motion.assembly_id,
        f"amendment.{event}",
        actor=actor,
        subjects={
            "motion": str(motion.id),
            "amendment": str(amendment.id),
            **(subjects or {}),
        },
        digests={"text": amendment.text_digest, **(digests or {})},
        facts={"number": amendment.number, "state": amendment.state, **(facts or {})},
    )


async def _open_window(
    session: AsyncSession, motion: Motion, moment: dt.datetime, what: str
) -> Assembly:
    assembly = await touch_assembly(session, motion.assembly_id, at=moment)
    amendments_window(assembly.state, timetable_of(assembly), moment, what)
    if motion.state not in ("submitted", "admitted") or motion.vote_state is not None:
        raise MotionStateError(f"motion {motion.number} is {motion.state}; it takes no amendments")
    return assembly


async def submit_amendment(
    session: AsyncSession,
    motion_id: uuid.UUID,
    body: AmendmentCreate,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Amendment:
    """A member in the motion's scope amends lines of it while amendments are open.

    Errors: 409 outside the window; 403 not in scope; 422 lines that do not fit the motion.
    Caller commits. Cost: a handful of short statements.
    """
    moment = at or now()
    motion = await load_motion(session, motion_id)
    await _open_window(session, motion, moment, "submitting an amendment")
    proposer = await participant(
        session, subject, Scope.parse(motion.scope), f"amending a motion in {motion.scope}"
    )
    end = body.start if body.end is None else body.end
    try:
        check_edit(
            Edit(body.action, body.start, end, tuple(body.paragraphs)), len(motion.paragraphs)
        )
    except AmendmentError as exc:
        raise DomainError(str(exc), title="The amendment does not fit the motion") from None
    number = await session.scalar(
        update(Motion)
        .where(Motion.id == motion.id)
        .values(amendment_count=Motion.amendment_count + 1)
        .returning(Motion.amendment_count)
        .execution_options(synchronize_session=False)
    )
    if number is None:
        raise MotionStateError(f"motion {motion.number} is gone; the amendment was not numbered")
    amendment = Amendment(
        id=uuid.uuid4(),
        motion_id=motion.id,
        number=int(number),
        action=body.action,
        start_line=body.start,
        end_line=end,
        paragraphs=list(body.paragraphs),
        text_digest=_digest(body.action, body.start, end, list(body.paragraphs)),
        state="submitted",
        proposer_member_id=proposer.member_id,
    )
    session.add(amendment)
    await session.flush()
    await log_amendment(
        session,
        motion,
        amendment,
        "submitted",
        "member",
        digests={"motion_text": motion.text_digest},
        facts={"action": amendment.action, "start": amendment.start_line, "end": end},
    )
    return amendment


async def amendment_seconding(
    session: AsyncSession, amendment: Amendment, assembly: Assembly
) -> SecondingOut:
    """Seconders of ``amendment`` against the assembly's standing orders."""
    orders = orders_of(assembly)
    branches = (
        await session.scalars(
            select(AmendmentSeconder.branch_id).where(
                AmendmentSeconder.amendment_id == amendment.id
            )
        )
    ).all()
    counted = seconding_count(branches, distinct_branches=orders.seconders_from_distinct_branches)
    required = orders.amendment_seconders_required
    return SecondingOut(
        seconders=len(branches), counted=counted, required=required, enough=counted >= required
    )


async def second_amendment(
    session: AsyncSession, amendment_id: uuid.UUID, *, subject: str, at: dt.datetime | None = None
) -> Amendment:
    """A member in the motion's scope seconds an amendment, once, while amendments are open."""
    moment = at or now()
    amendment = await load_amendment(session, amendment_id)
    motion = await load_motion(session, amendment.motion_id)
    await _open_window(session, motion, moment, "seconding an amendment")
    if amendment.state not in ("submitted", "admitted"):
        raise MotionStateError(f"amendment {amendment.number} is {amendment.state}")
    seconder = await participant(session, subject, Scope.parse(motion.scope), "seconding it")
    if seconder.member_id == amendment.proposer_member_id:
        raise MotionStateError("you proposed this amendment; a seconder must be another member")
    added = await session.scalar(
        insert(AmendmentSeconder)
        .values(
            amendment_id=amendment.id, member_id=seconder.member_id, branch_id=seconder.branch_id
        )
        .on_conflict_do_nothing()
        .returning(AmendmentSeconder.member_id)
    )
    if added is None:
        raise MotionStateError("you have already seconded this amendment")
    count = await session.scalar(
        select(func.count())
        .select_from(AmendmentSeconder)
        .where(AmendmentSeconder.amendment_id == amendment.id)
    )
    await log_amendment(
        session, motion, amendment, "seconded", "member", facts={"seconders": count}
    )
    return amendment


async def _for_chair(
    session: AsyncSession, amendment_id: uuid.UUID, chair: str, at: dt.datetime | None
) -> tuple[Amendment, Motion, Assembly]:
    """The amendment (locked), its motion and assembly, if ``chair`` chairs that assembly."""
    amendment = await load_amendment(session, amendment_id, lock=True)
    motion = await load_motion(session, amendment.motion_id)
    await require_chair(session, chair, motion.assembly_id)
    assembly = await touch_assembly(session, motion.assembly_id, at=at)
    if assembly.state not in RULING_STATES:
        raise AssemblyStateError(f"the assembly is {assembly.state}; the chair cannot rule now")
    return amendment, motion, assembly


async def admit_amendment(
    session: AsyncSession, amendment_id: uuid.UUID, *, chair: str, at: dt.datetime | None = None
) -> Amendment:
    """The chair admits an amendment with enough seconders to an admitted motion; ``chair``
    is the caller's subject, refused unless they chair the amendment's own assembly."""
    amendment, motion, assembly = await _for_chair(session, amendment_id, chair, at)
    if amendment.state != "submitted" or motion.vote_state is not None:
        raise MotionStateError(f"amendment {amendment.number} is {amendment.state}")
    if motion.state != "admitted":
        raise MotionStateError(
            f"motion {motion.number} is {motion.state}; admit the motion before its amendments"
        )
    seconding = await amendment_seconding(session, amendment, assembly)
    if not seconding.enough:
        raise MotionStateError(
            f"amendment {amendment.number} has {counted(seconding.counted, 'seconder')}; "
            f"standing orders require {seconding.required}"
        )
    amendment.state = "admitted"
    await log_amendment(session, motion, amendment, "admitted", "chair")
    return amendment


async def rule_out_amendment(
    session: AsyncSession,
    amendment_id: uuid.UUID,
    reason: str,
    *,
    chair: str,
    at: dt.datetime | None = None,
) -> Amendment:
    """The chair rules an amendment out of order, with a published reason; ``chair`` as for
    ``admit_amendment``."""
    amendment, motion, _ = await _for_chair(session, amendment_id, chair, at)
    if amendment.state not in ("submitted", "admitted") or motion.vote_state is not None:
        raise MotionStateError(f"amendment {amendment.number} is {amendment.state}")
    amendment.state = "ruled_out"
    amendment.ruling_reason = reason
    await log_amendment(
        session,
        motion,
        amendment,
        "ruled_out",
        "chair",
        digests={"reason": digest_of(canonical_json(reason))},
    )
    return amendment


async def withdraw_amendment(
    session: AsyncSession, amendment_id: uuid.UUID, *, subject: str, at: dt.datetime | None = None
) -> Amendment:
    """The proposer withdraws their amendment, until voting on the motion begins."""
    amendment = await load_amendment(session, amendment_id, lock=True)
    motion = await load_motion(session, amendment.motion_id)
    await touch_assembly(session, motion.assembly_id, at=at)
    proposer = await participant(session, subject, Scope.parse(motion.scope), "withdrawing it")
    if proposer.member_id != amendment.proposer_member_id:
        raise DomainError(
            "only the member who proposed an amendment may withdraw it",
            status=403,
            title="Not yours",
        )
    if amendment.state not in ("submitted", "admitted") or motion.vote_state is not None:
        raise MotionStateError(f"amendment {amendment.number} is {amendment.state}")
    amendment.state = "withdrawn"
    await log_amendment(session, motion, amendment, "withdrawn", "member")
    return amendment


async def reinstate_amendment(
    session: AsyncSession,
    amendment_id: uuid.UUID,
    body: ReinstateIn,
    *,
    chair: str,
    at: dt.datetime | None = None,
) -> Amendment:
    """The chair rules that a fallen amendment still applies, to ``body``'s lines of the text
    as amended so far; it is then voted in its place in the order. Only before the vote on
    the motion itself opens. Caller commits."""
    amendment, motion, _ = await _for_chair(session, amendment_id, chair, at)
    if amendment.state != "fallen":
        raise MotionStateError(
            f"amendment {amendment.number} is {amendment.state}; only a fallen one is reinstated"
        )
    if motion.vote_state != "voting" or motion.contest_id is not None:
        raise MotionStateError(
            f"the vote on motion {motion.number} itself has begun; no amendment can be reinstated"
        )
    end = body.start if body.end is None else body.end
    current = motion.current_paragraphs or motion.paragraphs
    try:
        edit = replace(edit_of(amendment), start=body.start, end=end)
        check_edit(edit, len(current))
    except AmendmentError as exc:
        raise DomainError(
            str(exc), title="The amendment does not fit the text as amended"
        ) from None
    amendment.state = "admitted"
    amendment.current_start, amendment.current_end = body.start, end
    await log_amendment(
        session, motion, amendment, "reinstated", "chair", facts={"start": body.start, "end": end}
    )
    return amendment
