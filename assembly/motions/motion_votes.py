"""Voting on a motion as standing orders say: its amendments first, in order, then the motion.

The chair starts the vote (``start_vote``); each admitted amendment is then voted, one at a
time, in the order of the lines it touches, as a ``motion`` contest in the motion's scope under
the assembly's majority rule (the constitutional one for a constitutional motion), secret or
recorded as standing orders say. ``advance_vote`` closes, counts and publishes the contest open
now and applies its outcome: a carried amendment is merged into the text at once and every
later amendment whose lines it changed falls (the chair may reinstate one with
``assembly.motions.amendments.reinstate_amendment``); then it opens the next vote, the last
being the motion as amended. Every step is logged with the digest of the text it concerns.

The chair cannot slip. Every request names the step it saw (``Motion.vote_step``): a press
repeated, or sent from a page gone stale, finds the step moved on and changes nothing, so no
vote is ever decided in the request that opened it. An inquorate vote is neither carried nor
lost: the question stays before the assembly, nothing further opens, and the chair's next
step takes that vote again. Voting cannot start while a seconded amendment awaits the chair's
ruling. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import orders_of, touch_assembly
from assembly.meetings.floor import floor_electorate
from assembly.meetings.timetable import AssemblyStateError
from assembly.models import Amendment, Assembly, Motion
from assembly.motions.amendments import amendment_seconding, edit_of, log_amendment
from assembly.motions.hand_counts import decide_by_hands, open_hand_vote
from assembly.motions.motions import MotionStateError, load_motion, log_motion
from assembly.motions.text import apply, rebase, text_digest, vote_order
from schemas.assemblies import HandCountIn
from schemas.contests import ContestCreate, MajorityIn
from schemas.moments import now
from schemas.problems import DomainError
from voting.lifecycle import (
    close_contest,
    count_contest_now,
    create_contest,
    load_contest,
    open_contest,
    publish_contest,
)
from voting.majority import contract_of

__all__ = ["advance_vote", "amendments_of", "start_vote", "waiting_for_ruling"]


async def amendments_of(
    session: AsyncSession, motion_id: uuid.UUID, *, lock: bool = False
) -> list[Amendment]:
    """The motion's amendments by number."""
    query = select(Amendment).where(Amendment.motion_id == motion_id).order_by(Amendment.number)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list((await session.scalars(query)).all())


def _majority(motion: Motion, assembly: Assembly) -> MajorityIn:
    return contract_of(orders_of(assembly).rule_for(motion.category))


async def _open(
    session: AsyncSession,
    motion: Motion,
    assembly: Assembly,
    title: str,
    created_by: str,
    method: str,
) -> uuid.UUID:
    body = ContestCreate(
        title=title[:300],
        kind="motion",
        scope=motion.scope,
        secret=method == "secret",
        majority=_majority(motion, assembly),
        weighted=orders_of(assembly).floor.weighted,
    )
    # On the floor: credentialed delegates (cards, proxies) or those present; else everyone.
    electors = await floor_electorate(session, assembly)
    contest = await create_contest(session, body, created_by=created_by, actor="chair")
    await open_contest(session, contest.id, actor="chair", electors=electors)
    return contest.id


async def _open_next(
    session: AsyncSession,
    motion: Motion,
    assembly: Assembly,
    created_by: str,
    asked: str | None,
    moment: dt.datetime,
) -> None:
    """Open the vote on the next pending amendment, or on the motion as amended, taken as
    ``asked`` (a ballot, secret or recorded, or a show of hands) if standing orders allow."""
    method = orders_of(assembly).vote_method(asked)
    current = tuple(motion.current_paragraphs or motion.paragraphs)
    pending = [a for a in await amendments_of(session, motion.id) if a.state == "admitted"]
    if pending:
        by_number = {a.number: a for a in pending}
        number, edit = vote_order((a.number, edit_of(a, current=True)) for a in pending)[0]
        amendment = by_number[number]
        title = f"Amendment {number} to motion {motion.number} ({edit.describe()}): {motion.title}"
        if method == "show_of_hands":
            open_hand_vote(motion, "amendment", amendment.id, moment)
        else:
            amendment.contest_id = await _open(session, motion, assembly, title, created_by, method)
        amendment.state = "voting"
        await log_amendment(
            session,
            motion,
            amendment,
            "vote_opened",
            "chair",
            digests={
                "motion_text": text_digest(current),
                "if_carried": text_digest(apply(current, edit)),
            },
            subjects=_held(amendment.contest_id),
            facts={"method": method},
        )
        return
    if method == "show_of_hands":
        open_hand_vote(motion, "motion", motion.id, moment)
    else:
        motion.contest_id = await _open(
            session, motion, assembly, f"Motion {motion.number}: {motion.title}", created_by, method
        )
    await log_motion(
        session,
        motion,
        "vote_opened",
        "chair",
        digests={"voted_text": text_digest(current)},
        subjects=_held(motion.contest_id),
        facts={"method": method},
    )


def _amendments_named(numbers: list[int]) -> str:
    listed = [str(n) for n in numbers]
    if len(listed) == 1:
        return f"amendment {listed[0]}"
    return f"amendments {', '.join(listed[:-1])} and {listed[-1]}"


async def waiting_for_ruling(
    session: AsyncSession, motion: Motion, assembly: Assembly
) -> list[int]:
    """The numbers of the motion's amendments that have the seconders standing orders require
    but on which the chair has not ruled (still ``submitted``). Cost: one read per such one."""
    waiting = []
    for amendment in await amendments_of(session, motion.id):
        if (
            amendment.state == "submitted"
            and (await amendment_seconding(session, amendment, assembly)).enough
        ):
            waiting.append(amendment.number)
    return waiting


async def start_vote(
    session: AsyncSession,
    motion_id: uuid.UUID,
    *,
    created_by: str,
    method: str | None = None,
    at: dt.datetime | None = None,
) -> Motion:
    """The chair begins voting on an admitted motion in session: the first vote opens at once.
    Starting again once started changes nothing (a repeated press). Refused while a seconded
    amendment awaits the chair's ruling, naming it. Caller commits. Cost: one contest created
    and opened (its electorate frozen)."""
    motion = await load_motion(session, motion_id, lock=True)
    assembly = await touch_assembly(session, motion.assembly_id, at=at)
    if motion.vote_state is not None:
        return motion
    if assembly.state != "in_session":
        raise AssemblyStateError(f"the assembly is {assembly.state}; motions are voted in session")
    if motion.state != "admitted" or motion.vote_state is not None:
        shown = motion.vote_state or motion.state
        raise MotionStateError(
            f"motion {motion.number} is {shown}; only an admitted motion is voted"
        )
    waiting = await waiting_for_ruling(session, motion, assembly)
    if waiting:
        raise MotionStateError(
            f"{_amendments_named(waiting)} to motion {motion.number} "
            f"{'is' if len(waiting) == 1 else 'are'} seconded and waiting for your ruling: "
            "admit or rule out each before the votes start"
        )
    amendments = [
        a for a in await amendments_of(session, motion.id, lock=True) if a.state == "admitted"
    ]
    for amendment in amendments:
        amendment.current_start, amendment.current_end = amendment.start_line, amendment.end_line
    motion.vote_state = "voting"
    motion.vote_step = 1
    motion.current_paragraphs = list(motion.paragraphs)
    await log_motion(
        session, motion, "vote_started", "chair", facts={"amendments": len(amendments)}
    )
    await _open_next(session, motion, assembly, created_by, method, at or now())
    return motion


async def _outcome(
    session: AsyncSession,
    motion: Motion,
    assembly: Assembly,
    contest_id: uuid.UUID | None,
    hand_count: HandCountIn | None,
    moment: dt.datetime,
) -> str:
    """The outcome of the vote open now: the ballot counted, or the show of hands decided."""
    if motion.open_hand_vote is not None:
        return await decide_by_hands(session, motion, assembly, hand_count, moment)
    if hand_count is not None:
        raise DomainError("this vote is a ballot: it is counted, not given tellers' figures")
    if contest_id is None:
        raise MotionStateError(f"motion {motion.number} is being voted without a vote open")
    return await _decide(session, contest_id)


async def _decide(session: AsyncSession, contest_id: uuid.UUID) -> str:
    """Close, count and publish the contest; its outcome (carried, lost or inquorate)."""
    for step in (close_contest, count_contest_now, publish_contest):
        await step(session, contest_id, actor="chair")
    contest = await load_contest(session, contest_id)
    if contest.result is None:
        raise MotionStateError(f"contest {contest_id} was published without a result")
    return str(contest.result["outcome"])


def _held(contest_id: uuid.UUID | None) -> dict[str, str]:
    """The log subject naming the contest a vote was held in (none for a show of hands)."""
    return {} if contest_id is None else {"contest": str(contest_id)}


def _inquorate(
    motion: Motion,
    subject: str,
    ident: uuid.UUID,
    contest_id: uuid.UUID | None,
) -> None:
    """Keep an inquorate ballot in the motion's history (a show of hands is kept with its
    figures already); the question is put again later."""
    if contest_id is None:
        return
    motion.inquorate_votes = [
        *motion.inquorate_votes,
        {"subject": subject, "id": str(ident), "contest": str(contest_id)},
    ]


async def _amendment_decided(
    session: AsyncSession, motion: Motion, amendment: Amendment, outcome: str, moment: dt.datetime
) -> None:
    held = _held(amendment.contest_id)
    if outcome == "inquorate":
        _inquorate(motion, "amendment", amendment.id, amendment.contest_id)
        amendment.state, amendment.contest_id = "admitted", None
        await log_amendment(session, motion, amendment, "inquorate", "chair", subjects=held)
        return
    amendment.decided_at = moment
    if outcome != "carried":
        amendment.state = "lost"
        await log_amendment(
            session,
            motion,
            amendment,
            "lost",
            "chair",
            facts={"outcome": outcome},
            subjects=held,
        )
        return
    before = tuple(motion.current_paragraphs or motion.paragraphs)
    carried = edit_of(amendment, current=True)
    after = apply(before, carried)
    motion.current_paragraphs = list(after)
    amendment.state = "carried"
    await log_amendment(
        session,
        motion,
        amendment,
        "carried",
        "chair",
        digests={"before": text_digest(before), "after": text_digest(after)},
        subjects=held,
    )
    for later in await amendments_of(session, motion.id):
        if later.state != "admitted":
            continue
        rebased = rebase(edit_of(later, current=True), carried)
        if rebased is None:
            later.state = "fallen"
            await log_amendment(
                session, motion, later, "fallen", "chair", facts={"changed_by": amendment.number}
            )
        else:
            later.current_start, later.current_end = rebased.start, rebased.end


async def advance_vote(
    session: AsyncSession,
    motion_id: uuid.UUID,
    *,
    created_by: str,
    step: int | None,
    open_next: bool = True,
    method: str | None = None,
    hand_count: HandCountIn | None = None,
    at: dt.datetime | None = None,
) -> Motion:
    """Close, count and publish the vote open on the motion and apply its outcome; then, with
    ``open_next`` and while the assembly is in session, open the next vote. With no vote open,
    just open the next (after an inquorate vote, the same question again). An inquorate
    outcome opens nothing. A show of hands is decided from the tellers' ``hand_count``; the
    vote opened next is taken as ``method`` (standing orders' default if ``None``). ``step``
    is the ``vote_step`` the chair saw: when the motion has moved past it (a repeated press),
    nothing changes and the motion is returned as it stands; ``None`` only for callers that
    hold the motion's lock themselves. Caller commits.
    Cost: one contest counted, at most one opened."""
    motion = await load_motion(session, motion_id, lock=True)
    if step is not None and step != motion.vote_step and motion.vote_state is not None:
        return motion
    assembly = await touch_assembly(session, motion.assembly_id, at=at)
    moment = at or now()
    # Once the session has closed, the vote open is still decided, but nothing further opens.
    open_next = open_next and assembly.state == "in_session"
    if motion.vote_state != "voting":
        shown = motion.vote_state or "not being voted"
        raise MotionStateError(f"motion {motion.number} is {shown}; start its vote first")
    voting = [a for a in await amendments_of(session, motion.id, lock=True) if a.state == "voting"]
    if voting:
        amendment = voting[0]
        outcome = await _outcome(
            session, motion, assembly, amendment.contest_id, hand_count, moment
        )
        motion.vote_step += 1
        await _amendment_decided(session, motion, amendment, outcome, moment)
        if outcome == "inquorate":
            return motion
    elif motion.contest_id is not None or motion.open_hand_vote is not None:
        outcome = await _outcome(session, motion, assembly, motion.contest_id, hand_count, moment)
        motion.vote_step += 1
        if outcome == "inquorate":
            held = _held(motion.contest_id)
            _inquorate(motion, "motion", motion.id, motion.contest_id)
            motion.contest_id = None
            await log_motion(session, motion, "inquorate", "chair", subjects=held)
            return motion
        final = list(motion.current_paragraphs or motion.paragraphs)
        motion.vote_state = "decided"
        motion.decided_at = moment
        carried = [a for a in await amendments_of(session, motion.id) if a.state == "carried"]
        if outcome == "carried":
            motion.state = "carried"
            motion.final_paragraphs = final
            motion.final_digest = text_digest(final)
            digests = {"original": motion.text_digest, "final": motion.final_digest}
        else:
            motion.state = "lost"
            digests = {"voted_text": text_digest(final)}
        await log_motion(
            session,
            motion,
            motion.state,
            "chair",
            digests=digests,
            subjects=_held(motion.contest_id),
            facts={"outcome": outcome, "amendments_carried": len(carried)},
        )
        return motion
    elif assembly.state != "in_session":
        raise AssemblyStateError(f"the assembly is {assembly.state}; no further vote can open")
    elif not open_next:
        raise MotionStateError(f"no vote is open on motion {motion.number}; open the next one")
    if open_next:
        await _open_next(session, motion, assembly, created_by, method, moment)
        motion.vote_step += 1
    return motion
