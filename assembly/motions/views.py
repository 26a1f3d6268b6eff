"""What members and chairs see: assemblies, motions with numbered lines, amendments as diffs.

Every amendment is shown against the numbered lines of the text it would change
(``amendments.amendment_change``): the motion as submitted, or, once voting has begun, the text
as amended so far (deleted lines keep their numbers, new text has none), with the motion as it
would read if that amendment were carried. Overlapping admitted amendments are flagged with
what falls if which is carried; links to other motions name their assembly, number and the
vote that carried them. Shaping only: nothing here changes state. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Amendment, Assembly, Motion
from assembly.motions.amendments import amendment_change, amendment_seconding, edit_of
from assembly.motions.motion_votes import amendments_of, waiting_for_ruling
from assembly.motions.motions import motion_seconding
from assembly.motions.text import apply, diff, falls_if_carried, text_digest
from roll.members import branch_code_of, number_of
from schemas.assemblies import (
    AmendmentOut,
    AssemblyOut,
    DiffLineOut,
    LineOut,
    MotionOut,
    OverlapOut,
    ProvenanceOut,
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
    """An amendment with its diff and the motion as it would read if carried, both against
    the text it would change now."""
    against, edit = amendment_change(amendment, motion)
    original = (tuple(motion.paragraphs), edit_of(amendment))
    shown = [
        DiffLineOut(text=d.text, change=d.change, number=d.number) for d in diff(against, edit)
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
        motion_if_carried=lines_out(apply(against, edit)),
        ruling_reason=amendment.ruling_reason,
        current_start=amendment.current_start,
        current_end=amendment.current_end,
        contest=str(amendment.contest_id) if amendment.contest_id else None,
        shown_against="submitted" if (against, edit) == original else "as_amended",
    )


def overlaps_of(motion: Motion, amendments: Sequence[Amendment]) -> list[OverlapOut]:
    """Admitted (and being voted) amendments that overlap, in vote order: what falls if which
    is carried, against the lines each would change now."""
    live = [
        (a.number, amendment_change(a, motion)[1])
        for a in amendments
        if a.state in ("admitted", "voting")
    ]
    return [OverlapOut(if_carried=k, falls=v) for k, v in falls_if_carried(live).items()]


async def provenance_of(session: AsyncSession, motion: Motion) -> list[ProvenanceOut]:
    """The motions this one came from or went to, named by assembly and number, with the vote
    that carried them. Cost: one read per linked motion and its assembly."""
    links: list[tuple[str, Motion]] = []
    for relation, linked_id in (
        ("forwarded_from", motion.forwarded_from_id),
        ("forwarded_to", motion.forwarded_to_id),
        ("composited_into", motion.composited_into_id),
    ):
        if linked_id is not None:
            row = await session.get(Motion, linked_id)
            if row is not None:
                links.append((relation, row))
    sources = await session.scalars(
        select(Motion).where(Motion.composited_into_id == motion.id).order_by(Motion.number)
    )
    links += [("composite_of", source) for source in sources.all()]
    out = []
    for relation, linked in links:
        assembly = await session.get(Assembly, linked.assembly_id)
        carried_by = linked.contest_id if linked.state in ("carried", "forwarded") else None
        out.append(
            ProvenanceOut(
                relation=relation,  # type: ignore[arg-type]
                motion=str(linked.id),
                number=linked.number,
                title=linked.title,
                assembly=str(linked.assembly_id),
                assembly_title=assembly.title if assembly else "",
                state=linked.state,
                contest=str(carried_by) if carried_by else None,
            )
        )
    return out


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
    overlapping: list[OverlapOut] = []
    waiting: list[int] = []
    if amendments:
        rows = await amendments_of(session, motion.id)
        shown = [await amendment_out(session, a, motion, assembly) for a in rows]
        overlapping = overlaps_of(motion, rows)
        if motion.state == "admitted" and motion.vote_state is None:
            waiting = await waiting_for_ruling(session, motion, assembly)
    seconding = await motion_seconding(session, motion, assembly)

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
        seconding=seconding,
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
        provenance=await provenance_of(session, motion),
        overlaps=overlapping,
        waiting_for_ruling=waiting,
        short_of_seconders=motion.state == "admitted"
        and motion.vote_state is None
        and not seconding.enough,
    )


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


async def vote_out(session: AsyncSession, motion: Motion) -> VoteOut:
    """Where voting on the motion stands: each vote so far in the order it was held (ballots
    with their contest, shows of hands with the tellers' figures), its state and outcome, and
    the text as it stands. Cost: one read per ballot."""
    pairs: list[tuple[Literal["amendment", "motion"], str, uuid.UUID]] = [
        ("amendment", str(a.id), a.contest_id)
        for a in await amendments_of(session, motion.id)
        if a.contest_id is not None
    ]
    if motion.contest_id is not None:
        pairs.append(("motion", str(motion.id), motion.contest_id))
    pairs += [
        ("amendment" if v["subject"] == "amendment" else "motion", v["id"], uuid.UUID(v["contest"]))
        for v in motion.inquorate_votes
    ]
    timed: list[tuple[dt.datetime, bool, VoteStepOut]] = []
    open_contest = None
    for subject, ident, contest_id in pairs:
        contest = await load_contest(session, contest_id)
        published = contest.state == "published" and contest.result is not None
        if contest.state == "open":
            open_contest = str(contest.id)
        step = VoteStepOut(
            subject=subject,
            id=ident,
            contest=str(contest.id),
            state=contest.state,
            outcome=str(contest.result["outcome"]) if published and contest.result else None,
            method="secret" if contest.secret else "recorded",
        )
        timed.append((contest.opened_at or contest.created_at, subject == "motion", step))
    for counted in motion.hand_counts:
        step = VoteStepOut(
            subject=counted["subject"],
            id=counted["id"],
            state="counted_by_hand",
            outcome=counted["outcome"],
            method="show_of_hands",
            hand_count={k: counted[k] for k in ("choices", "figures", "tellers", "decided_at")},
        )
        timed.append((_moment(counted["opened_at"]), counted["subject"] == "motion", step))
    if motion.open_hand_vote is not None:
        held = motion.open_hand_vote
        step = VoteStepOut(
            subject=held["subject"],  # type: ignore[arg-type]
            id=held["id"],
            state="show_of_hands",
            method="show_of_hands",
        )
        timed.append((_moment(held["opened_at"]), held["subject"] == "motion", step))
    timed.sort(key=lambda t: (t[0], t[1]))
    steps = [step for _, _, step in timed]
    current = motion.final_paragraphs or motion.current_paragraphs or motion.paragraphs
    return VoteOut(
        motion=str(motion.id),
        state=motion.vote_state or "not started",
        steps=steps,
        open_contest=open_contest,
        text_digest=text_digest(current),
        lines=lines_out(current),
        step=motion.vote_step,
    )
