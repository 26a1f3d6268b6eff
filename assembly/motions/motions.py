"""Motions: submitted by members, seconded, admitted or ruled out, withdrawn or remitted.

Every change appends a log entry carrying the digest of the motion's text (never who), in the
caller's transaction. Compositing and forwarding, which make a new motion out of others, live in
``assembly.motions.composites``; voting in ``assembly.motions.motion_votes``.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.assemblies import orders_of, timetable_of, touch_assembly
from assembly.meetings.standing_orders import seconding_count
from assembly.meetings.timetable import AssemblyStateError, motions_window
from assembly.models import Amendment, Assembly, Motion, MotionSeconder
from assembly.motions.text import text_digest
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.eligibility import participant, scope_within
from roll.scope import Scope
from schemas.assemblies import MotionCreate, SecondingOut
from schemas.moments import now
from schemas.problems import DomainError
from schemas.text import counted

__all__ = [
    "MotionNotFound",
    "MotionStateError",
    "admit_motion",
    "load_motion",
    "log_motion",
    "motion_seconding",
    "next_motion_number",
    "remit_motion",
    "rule_out_motion",
    "second_motion",
    "submit_motion",
    "withdraw_motion",
    "withdraw_seconding",
]

# Assembly states in which the chair may rule on motions.
RULING_STATES = ("motions_open", "amendments_open", "in_session")


class MotionNotFound(DomainError):
    status = 404
    title = "No such motion"


class MotionStateError(DomainError):
    """A step the motion's state does not allow; the message says the state."""

    status = 409
    title = "Not possible in the motion's current state"


async def load_motion(session: AsyncSession, motion_id: uuid.UUID, *, lock: bool = False) -> Motion:
    """The motion, optionally locked for update; ``MotionNotFound`` if there is none."""
    query = select(Motion).where(Motion.id == motion_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    motion = await session.scalar(query)
    if motion is None:
        raise MotionNotFound(f"there is no motion {motion_id}")
    return motion


async def log_motion(
    session: AsyncSession,
    motion: Motion,
    event: str,
    actor: str,
    *,
    digests: dict[str, str] | None = None,
    facts: dict[str, str | int | bool | None] | None = None,
    subjects: dict[str, str] | None = None,
) -> int:
    """Log ``motion.<event>`` with the assembly, the motion and the digest of its text."""
    return await log_event(
        session,
        motion.assembly_id,
        f"motion.{event}",
        actor=actor,
        subjects={"motion": str(motion.id), **(subjects or {})},
        digests={"text": motion.text_digest, **(digests or {})},
        facts={"number": motion.number, "state": motion.state, **(facts or {})},
    )


async def next_motion_number(session: AsyncSession, assembly_id: uuid.UUID) -> int:
    """The next motion number of the assembly (1, 2, …). Cost: one row update, held to commit."""
    number = await session.scalar(
        update(Assembly)
        .where(Assembly.id == assembly_id)
        .values(motion_count=Assembly.motion_count + 1)
        .returning(Assembly.motion_count)
        .execution_options(synchronize_session=False)
    )
    if number is None:
        raise MotionStateError(f"assembly {assembly_id} is gone; the motion was not numbered")
    return int(number)


async def submit_motion(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    body: MotionCreate,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Motion:
    """A member in scope submits a motion while motions are open. Caller commits.

    Errors: 409 outside the window (naming the deadline); 403 the member is not in the
    motion's scope; 422 a scope wider than the assembly's. Cost: a handful of short statements.
    """
    moment = at or now()
    assembly = await touch_assembly(session, assembly_id, at=moment)
    motions_window(assembly.state, timetable_of(assembly), moment, "submitting a motion")
    outer = Scope.parse(assembly.scope)
    scope = Scope.parse(body.scope) if body.scope else outer
    if not await scope_within(session, scope, outer):
        raise DomainError(f"a motion to this assembly must lie within {outer}; {scope} does not")
    proposer = await participant(session, subject, scope, f"proposing a motion in {scope}")
    motion = Motion(
        id=uuid.uuid4(),
        assembly_id=assembly.id,
        number=await next_motion_number(session, assembly.id),
        title=body.title,
        category=body.category,
        scope=str(scope),
        state="submitted",
        paragraphs=list(body.paragraphs),
        text_digest=text_digest(body.paragraphs),
        proposer_member_id=proposer.member_id,
        proposer_branch_id=proposer.branch_id if body.on_behalf_of_branch else None,
        amendment_count=0,
    )
    session.add(motion)
    await session.flush()
    await log_motion(
        session,
        motion,
        "submitted",
        "member",
        facts={
            "category": motion.category,
            "scope": motion.scope,
            "on_behalf_of_branch": body.on_behalf_of_branch,
        },
    )
    return motion


async def motion_seconding(
    session: AsyncSession, motion: Motion, assembly: Assembly
) -> SecondingOut:
    """Seconders of ``motion`` against the assembly's standing orders. Composites and forwarded
    motions need none. Cost: one indexed read of the seconders."""
    orders = orders_of(assembly)
    branches = (
        await session.scalars(
            select(MotionSeconder.branch_id).where(MotionSeconder.motion_id == motion.id)
        )
    ).all()
    counted = seconding_count(branches, distinct_branches=orders.seconders_from_distinct_branches)
    required = orders.seconders_required if motion.proposer_member_id is not None else 0
    return SecondingOut(
        seconders=len(branches), counted=counted, required=required, enough=counted >= required
    )


async def _seconders(session: AsyncSession, motion_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(MotionSeconder)
        .where(MotionSeconder.motion_id == motion_id)
    )
    return int(count or 0)


async def second_motion(
    session: AsyncSession, motion_id: uuid.UUID, *, subject: str, at: dt.datetime | None = None
) -> Motion:
    """A member in the motion's scope seconds it, once, before the motions deadline."""
    moment = at or now()
    motion = await load_motion(session, motion_id)
    assembly = await touch_assembly(session, motion.assembly_id, at=moment)
    motions_window(assembly.state, timetable_of(assembly), moment, "seconding a motion")
    if motion.state not in ("submitted", "admitted"):
        raise MotionStateError(f"motion {motion.number} is {motion.state}; it cannot be seconded")
    seconder = await participant(session, subject, Scope.parse(motion.scope), "seconding it")
    if seconder.member_id == motion.proposer_member_id:
        raise MotionStateError("you proposed this motion; a seconder must be another member")
    added = await session.scalar(
        insert(MotionSeconder)
        .values(motion_id=motion.id, member_id=seconder.member_id, branch_id=seconder.branch_id)
        .on_conflict_do_nothing()
        .returning(MotionSeconder.member_id)
    )
    if added is None:
        raise MotionStateError("you have already seconded this motion; a member seconds once")
    await log_motion(
        session,
        motion,
        "seconded",
        "member",
        facts={"seconders": await _seconders(session, motion.id)},
    )
    return motion


async def withdraw_seconding(
    session: AsyncSession, motion_id: uuid.UUID, *, subject: str, at: dt.datetime | None = None
) -> Motion:
    """A seconder withdraws their seconding, before the motions deadline. An admitted motion
    left short of the seconders standing orders require stays admitted, flagged (in the log
    and on its page) for the chair to rule on again."""
    moment = at or now()
    motion = await load_motion(session, motion_id)
    assembly = await touch_assembly(session, motion.assembly_id, at=moment)
    motions_window(assembly.state, timetable_of(assembly), moment, "withdrawing a seconding")
    seconder = await participant(session, subject, Scope.parse(motion.scope), "seconding")
    removed = await session.scalar(
        delete(MotionSeconder)
        .where(
            MotionSeconder.motion_id == motion.id, MotionSeconder.member_id == seconder.member_id
        )
        .returning(MotionSeconder.member_id)
    )
    if removed is None:
        raise DomainError("you have not seconded this motion", status=404, title="Not seconded")
    short = (
        motion.state == "admitted"
        and not (await motion_seconding(session, motion, assembly)).enough
    )
    await log_motion(
        session,
        motion,
        "seconding_withdrawn",
        "member",
        facts={"seconders": await _seconders(session, motion.id), "short_of_seconders": short},
    )
    return motion


def _before_vote(motion: Motion, verb: str, states: tuple[str, ...]) -> None:
    if motion.state not in states or motion.vote_state is not None:
        shown = f"{motion.state}, voting {motion.vote_state}" if motion.vote_state else motion.state
        raise MotionStateError(f"motion {motion.number} is {shown}, so it cannot be {verb}")


async def _chair_may_rule(
    session: AsyncSession, motion: Motion, at: dt.datetime | None
) -> Assembly:
    assembly = await touch_assembly(session, motion.assembly_id, at=at)
    if assembly.state not in RULING_STATES:
        raise AssemblyStateError(
            f"the assembly is {assembly.state}; the chair rules on motions once motions are "
            "open and until the session closes"
        )
    return assembly


async def admit_motion(
    session: AsyncSession, motion_id: uuid.UUID, *, at: dt.datetime | None = None
) -> Motion:
    """The chair admits a submitted motion to the agenda; it needs enough seconders."""
    motion = await load_motion(session, motion_id, lock=True)
    assembly = await _chair_may_rule(session, motion, at)
    _before_vote(motion, "admitted", ("submitted",))
    seconding = await motion_seconding(session, motion, assembly)
    if not seconding.enough:
        distinct = (
            " from distinct branches"
            if orders_of(assembly).seconders_from_distinct_branches
            else ""
        )
        raise MotionStateError(
            f"motion {motion.number} has {counted(seconding.counted, 'seconder')}{distinct}; "
            f"standing orders require {seconding.required} before it can reach the agenda"
        )
    motion.state = "admitted"
    await log_motion(session, motion, "admitted", "chair", facts={"seconders": seconding.seconders})
    return motion


async def rule_out_motion(
    session: AsyncSession, motion_id: uuid.UUID, reason: str, *, at: dt.datetime | None = None
) -> Motion:
    """The chair rules a motion out of order, with a reason that is published."""
    motion = await load_motion(session, motion_id, lock=True)
    await _chair_may_rule(session, motion, at)
    _before_vote(motion, "ruled out of order", ("submitted", "admitted"))
    motion.state = "ruled_out"
    motion.ruling_reason = reason
    await log_motion(
        session, motion, "ruled_out", "chair", digests={"reason": digest_of(canonical_json(reason))}
    )
    return motion


async def remit_motion(
    session: AsyncSession, motion_id: uuid.UUID, *, at: dt.datetime | None = None
) -> Motion:
    """The chair remits an admitted motion (referred back, not voted)."""
    motion = await load_motion(session, motion_id, lock=True)
    await _chair_may_rule(session, motion, at)
    _before_vote(motion, "remitted", ("admitted",))
    motion.state = "remitted"
    await log_motion(session, motion, "remitted", "chair")
    return motion


async def withdraw_motion(
    session: AsyncSession, motion_id: uuid.UUID, *, subject: str, at: dt.datetime | None = None
) -> Motion:
    """The proposer withdraws their motion, until voting on it begins."""
    motion = await load_motion(session, motion_id, lock=True)
    await touch_assembly(session, motion.assembly_id, at=at)
    proposer = await participant(session, subject, Scope.parse(motion.scope), "withdrawing it")
    if proposer.member_id != motion.proposer_member_id:
        raise DomainError(
            "only the member who proposed a motion may withdraw it", status=403, title="Not yours"
        )
    _before_vote(motion, "withdrawn", ("submitted", "admitted"))
    motion.state = "withdrawn"
    live = await session.scalars(
        select(Amendment).where(
            Amendment.motion_id == motion.id, Amendment.state.in_(("submitted", "admitted"))
        )
    )
    for amendment in live:
        amendment.state = "withdrawn"
        await log_event(
            session,
            motion.assembly_id,
            "amendment.withdrawn",
            actor="member",
            subjects={"motion": str(motion.id), "amendment": str(amendment.id)},
            digests={"text": amendment.text_digest},
            facts={"number": amendment.number, "because": "motion withdrawn"},
        )
    await log_motion(session, motion, "withdrawn", "member")
    return motion
