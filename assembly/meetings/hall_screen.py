"""The hall screen: what the assembly sees on the big screen and on phones, with no controls.

The current item is the motion being voted on, else the first on the agenda still undecided,
else the last one taken (so the final result stays up). The screen shows its text as amended
so far, the amendment under debate as a diff against the text it would change (the one being
voted, else the next admitted one in vote order; ``views.amendment_out``, as on the motion's
page and the ballot), the speakers list with when the current speech's time runs out
(``speakers.speakers_of``), the open vote with its turnout, and the latest result: of this
item, or of the item before it until this one has one.

``screen_version`` is the cheap question a live feed asks each second (two short reads: the
assembly's latest log index and the contest open on its floor; two more for its turnout);
``hall_screen`` is built again only when the answer changes, and when only the turnout moved
(votes coming in) ``with_turnout`` updates the screen with no read at all. Shaping only:
nothing here changes state. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.agenda import agenda
from assembly.meetings.assemblies import load_assembly
from assembly.meetings.speakers import speakers_of
from assembly.models import Amendment, AssemblyLogEntry, Motion
from assembly.motions.amendments import amendment_change
from assembly.motions.motion_votes import amendments_of
from assembly.motions.text import vote_order
from assembly.motions.views import amendment_out, vote_out
from schemas.assemblies import AmendmentOut, LineOut, SpeakersOut, VoteOut, VoteStepOut
from schemas.contests import Turnout
from schemas.moments import now
from voting import queries
from voting.lifecycle import load_contest

__all__ = [
    "HallScreen",
    "HallVote",
    "ScreenVersion",
    "hall_screen",
    "screen_version",
    "with_turnout",
]


@dataclass(frozen=True, slots=True)
class ScreenVersion:
    """What changes whenever the screen would: the assembly's latest log entry (every change
    to its motions, amendments, votes and speakers is logged under it), the contest open on
    the floor and how many have voted in it."""

    log_index: int
    open_contest: str | None
    voted: int


@dataclass(frozen=True, slots=True)
class HallVote:
    """One vote as the hall sees it: on which motion (and amendment), how it is taken, its
    state, and once decided its outcome and figures (for, against, abstain)."""

    motion_number: int
    motion_title: str
    amendment_number: int | None
    method: str | None
    state: str | None
    outcome: str | None = None
    choices: dict[str, Any] | None = None
    turnout: Turnout | None = None


@dataclass(frozen=True, slots=True)
class HallScreen:
    """Everything the hall screen shows at one moment."""

    assembly_id: str
    assembly_title: str
    assembly_state: str
    version: ScreenVersion
    at: dt.datetime
    item_number: int | None = None
    item_title: str | None = None
    lines: tuple[LineOut, ...] = ()
    debated: AmendmentOut | None = None
    speakers: SpeakersOut | None = None
    speech_ends_at: dt.datetime | None = None
    vote: HallVote | None = None
    result: HallVote | None = None


async def _open_contest(session: AsyncSession, assembly_id: uuid.UUID) -> uuid.UUID | None:
    """The contest open on the floor: the amendment being voted, else the motion's own."""
    row = (
        await session.execute(
            select(Amendment.contest_id, Motion.contest_id)
            .select_from(Motion)
            .outerjoin(
                Amendment, (Amendment.motion_id == Motion.id) & (Amendment.state == "voting")
            )
            .where(Motion.assembly_id == assembly_id, Motion.vote_state == "voting")
            .order_by(Motion.agenda_position.asc().nulls_last(), Motion.number)
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return row[0] or row[1]


async def screen_version(session: AsyncSession, assembly_id: uuid.UUID) -> ScreenVersion:
    """The screen's version now. Cost: two short indexed reads (four while a vote is open)."""
    latest = await session.scalar(
        select(func.max(AssemblyLogEntry.log_index)).where(
            AssemblyLogEntry.assembly_id == assembly_id
        )
    )
    contest_id = await _open_contest(session, assembly_id)
    voted = 0
    if contest_id is not None:
        turnout = await queries.turnout_counts(session, contest_id)
        voted = turnout.voted if turnout.state == "open" else -1
    return ScreenVersion(
        log_index=int(latest or 0),
        open_contest=str(contest_id) if contest_id else None,
        voted=voted,
    )


def _current(business: list[Motion]) -> Motion | None:
    for motion in business:
        if motion.vote_state == "voting":
            return motion
    for motion in business:
        if motion.state == "admitted":
            return motion
    return business[-1] if business else None


def _debated(motion: Motion, rows: list[Amendment]) -> Amendment | None:
    """The amendment being voted, else the next admitted one in the order of the vote."""
    voting = [a for a in rows if a.state == "voting"]
    if voting:
        return voting[0]
    admitted = {a.number: a for a in rows if a.state == "admitted"}
    order = vote_order((n, amendment_change(a, motion)[1]) for n, a in admitted.items())
    return admitted[order[0][0]] if order else None


async def _hall_vote(
    session: AsyncSession, motion: Motion, step: VoteStepOut, numbers: dict[str, int]
) -> HallVote:
    choices: dict[str, Any] | None = None
    turnout: Turnout | None = None
    if step.hand_count is not None:
        choices = dict(step.hand_count["choices"])
    elif step.contest is not None:
        contest = await load_contest(session, uuid.UUID(step.contest))
        if step.outcome is not None and contest.result is not None:
            choices = dict(contest.result.get("choices") or {})
        if contest.state == "open":
            turnout = await queries.turnout_counts(session, contest.id)
    return HallVote(
        motion_number=motion.number,
        motion_title=motion.title,
        amendment_number=numbers.get(step.id) if step.subject == "amendment" else None,
        method=step.method,
        state=step.state,
        outcome=step.outcome,
        choices=choices,
        turnout=turnout,
    )


async def _result(
    session: AsyncSession, motion: Motion, voting: VoteOut | None = None
) -> HallVote | None:
    """The latest decided vote on ``motion`` (its ``voting``, when read), with its figures."""
    voting = voting or await vote_out(session, motion)
    decided = [s for s in voting.steps if s.outcome is not None]
    if not decided:
        return None
    numbers = {str(a.id): a.number for a in await amendments_of(session, motion.id)}
    return await _hall_vote(session, motion, decided[-1], numbers)


async def hall_screen(
    session: AsyncSession, assembly_id: uuid.UUID, *, at: dt.datetime | None = None
) -> HallScreen:
    """The hall screen of the assembly at ``at`` (now). The caller has checked that the
    viewer may see the assembly. Cost: the version's reads, then a few indexed reads for the
    current item (its amendments, speakers and votes) and one for the item before it."""
    moment = at or now()
    # The version first: a change committed while the rest is read shows now and, its version
    # being newer than this one, makes the feed build the screen again at its next check.
    version = await screen_version(session, assembly_id)
    assembly = await load_assembly(session, assembly_id)
    bare = HallScreen(
        assembly_id=str(assembly.id),
        assembly_title=assembly.title,
        assembly_state=assembly.state,
        version=version,
        at=moment,
    )
    business = await agenda(session, assembly.id)
    motion = _current(business)
    if motion is None:
        return bare
    rows = await amendments_of(session, motion.id)
    debated = _debated(motion, rows) if motion.state == "admitted" else None
    voting = await vote_out(session, motion)
    numbers = {str(a.id): a.number for a in rows}
    live = [s for s in voting.steps if s.state in ("open", "show_of_hands")]
    result = await _result(session, motion, voting)
    if result is None:
        earlier = business[: business.index(motion)]
        if earlier:
            result = await _result(session, earlier[-1])
    speakers = await speakers_of(session, motion, at=moment)
    ends = None
    if speakers.speaking is not None and speakers.speaking.called_at is not None:
        ends = speakers.speaking.called_at + dt.timedelta(seconds=speakers.speech_seconds)
    return replace(
        bare,
        item_number=motion.number,
        item_title=motion.title,
        lines=tuple(voting.lines),
        debated=await amendment_out(session, debated, motion, assembly) if debated else None,
        speakers=speakers,
        speech_ends_at=ends,
        vote=await _hall_vote(session, motion, live[0], numbers) if live else None,
        result=result,
    )


def with_turnout(screen: HallScreen, version: ScreenVersion) -> HallScreen | None:
    """``screen`` with the turnout of ``version`` when nothing else changed (the same log
    entry, the same contest still open), else ``None`` (build the screen again). Cost: none."""
    vote, before = screen.vote, screen.version
    if (
        vote is None
        or vote.turnout is None
        or version.voted < 0
        or (version.log_index, version.open_contest) != (before.log_index, before.open_contest)
    ):
        return None
    turnout = msgspec.structs.replace(vote.turnout, voted=version.voted)
    return replace(screen, version=version, vote=replace(vote, turnout=turnout))
