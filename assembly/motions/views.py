"""What members and chairs see: assemblies, motions with numbered lines, amendments as diffs.

Every amendment is shown against the numbered lines of the motion as submitted (deleted lines
keep their numbers, new text has none), with the motion as it would read if that amendment
alone were carried. Once voting has begun, the text as amended so far is shown too. Shaping
only: nothing here changes state. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Amendment, Assembly, Motion
from assembly.motions.amendments import amendment_seconding, edit_of
from assembly.motions.motion_votes import amendments_of
from assembly.motions.motions import motion_seconding
from assembly.motions.text import apply, diff, text_digest
from roll.members import branch_code_of, number_of
from schemas.assemblies import (
    AmendmentOut,
    AssemblyOut,
    DiffLineOut,
    LineOut,
    MotionOut,
    TimetableIn,
    VoteOut,
    VoteStepOut,
)
from voting.lifecycle import load_contest

__all__ = ["amendment_out", "assembly_out", "chairs_of", "lines_out", "motion_out", "vote_out"]

_CHAIRS = text(
    "SELECT subject FROM role_grant WHERE role = 'chair' AND object_kind = 'assembly' "
    "AND object_id = :id ORDER BY id"
)


def lines_out(paragraphs: Sequence[str]) -> list[LineOut]:
    """The text as numbered lines."""
    return [LineOut(number=n, text=p) for n, p in enumerate(paragraphs, start=1)]


async def chairs_of(session: AsyncSession, assembly_id: uuid.UUID) -> list[str]:
    """Who chairs the assembly (the subjects holding a chair grant on it)."""
    return list((await session.scalars(_CHAIRS, {"id": str(assembly_id)})).all())


async def assembly_out(session: AsyncSession, assembly: Assembly) -> AssemblyOut:
    """The public shape of an assembly."""
    return AssemblyOut(
        id=str(assembly.id),
        title=assembly.title,
        kind=assembly.kind,
        scope=assembly.scope,
        state=assembly.state,
        timetable=TimetableIn(
            opens_at=assembly.opens_at,
            motions_deadline=assembly.motions_deadline,
            amendments_deadline=assembly.amendments_deadline,
            session_starts_at=assembly.session_starts_at,
            session_ends_at=assembly.session_ends_at,
        ),
        standing_orders=assembly.standing_orders,
        chairs=await chairs_of(session, assembly.id),
    )


async def amendment_out(
    session: AsyncSession, amendment: Amendment, motion: Motion, assembly: Assembly
) -> AmendmentOut:
    """An amendment with its diff and the motion as it would read if carried."""
    edit = edit_of(amendment)
    original = tuple(motion.paragraphs)
    shown = [
        DiffLineOut(text=d.text, change=d.change, number=d.number) for d in diff(original, edit)
    ]
    return AmendmentOut(
        id=str(amendment.id),
        motion=str(motion.id),
        number=amendment.number,
        action=amendment.action,
        start=amendment.start_line,
        end=amendment.end_line,
        paragraphs=list(amendment.paragraphs),
        state=amendment.state,
        describe=edit.describe(),
        text_digest=amendment.text_digest,
        seconding=await amendment_seconding(session, amendment, assembly),
        diff=shown,
        motion_if_carried=lines_out(apply(original, edit)),
        ruling_reason=amendment.ruling_reason,
        current_start=amendment.current_start,
        current_end=amendment.current_end,
        contest=str(amendment.contest_id) if amendment.contest_id else None,
    )


async def motion_out(
    session: AsyncSession, motion: Motion, assembly: Assembly, *, amendments: bool = True
) -> MotionOut:
    """A motion with its lines, seconding, amendments, provenance and decision.
    Cost: a few indexed reads, plus one per amendment for its seconders."""
    proposer = None
    if motion.proposer_member_id is not None:
        proposer = await number_of(session, motion.proposer_member_id)
    branch = None
    if motion.proposer_branch_id is not None:
        branch = await branch_code_of(session, motion.proposer_branch_id)
    sources = (
        await session.scalars(
            select(Motion.id).where(Motion.composited_into_id == motion.id).order_by(Motion.number)
        )
    ).all()
    shown: list[AmendmentOut] = []
    if amendments:
        shown = [
            await amendment_out(session, a, motion, assembly)
            for a in await amendments_of(session, motion.id)
        ]

    def link(value: uuid.UUID | None) -> str | None:
        return None if value is None else str(value)

    return MotionOut(
        id=str(motion.id),
        assembly=str(motion.assembly_id),
        number=motion.number,
        title=motion.title,
        category=motion.category,
        scope=motion.scope,
        state=motion.state,
        lines=lines_out(motion.paragraphs),
        text_digest=motion.text_digest,
        seconding=await motion_seconding(session, motion, assembly),
        amendments=shown,
        proposer=proposer,
        proposer_branch=branch,
        proposer_assembly=link(motion.proposer_assembly_id),
        ruling_reason=motion.ruling_reason,
        composited_into=link(motion.composited_into_id),
        composite_of=[str(s) for s in sources],
        forwarded_from=link(motion.forwarded_from_id),
        forwarded_to=link(motion.forwarded_to_id),
        agenda_position=motion.agenda_position,
        vote_state=motion.vote_state,
        contest=link(motion.contest_id),
        current_lines=lines_out(motion.current_paragraphs or []),
        final_lines=lines_out(motion.final_paragraphs or []),
        final_digest=motion.final_digest,
    )


async def vote_out(session: AsyncSession, motion: Motion) -> VoteOut:
    """Where voting on the motion stands: each vote so far in the order it was held, its
    contest, state and outcome, and the text as it stands. Cost: one read per vote."""
    pairs: list[tuple[Literal["amendment", "motion"], str, uuid.UUID]] = [
        ("amendment", str(a.id), a.contest_id)
        for a in await amendments_of(session, motion.id)
        if a.contest_id is not None
    ]
    if motion.contest_id is not None:
        pairs.append(("motion", str(motion.id), motion.contest_id))
    held = [(subject, ident, await load_contest(session, c)) for subject, ident, c in pairs]
    held.sort(key=lambda step: (step[2].created_at, step[0] == "motion"))
    steps: list[VoteStepOut] = []
    open_contest = None
    for subject, ident, contest in held:
        published = contest.state == "published" and contest.result is not None
        if contest.state == "open":
            open_contest = str(contest.id)
        steps.append(
            VoteStepOut(
                subject=subject,
                id=ident,
                contest=str(contest.id),
                state=contest.state,
                outcome=str(contest.result["outcome"]) if published and contest.result else None,
            )
        )
    current = motion.final_paragraphs or motion.current_paragraphs or motion.paragraphs
    return VoteOut(
        motion=str(motion.id),
        state=motion.vote_state or "not started",
        steps=steps,
        open_contest=open_contest,
        text_digest=text_digest(current),
        lines=lines_out(current),
    )
