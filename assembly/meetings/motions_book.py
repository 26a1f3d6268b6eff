"""The motions book: the agenda with every admitted motion and amendment, in order, with their
numbered lines and where each came from, as data a document is printed from.

``motions_book`` reads the assembly's order of business (``assembly.meetings.agenda``) and,
for each motion on it, its numbered lines as submitted, its proposer's branch, its provenance
(the motions a composite was made of; the assembly, motion number and vote a forwarded motion
came from) and its admitted amendments in line order. The service prints it as HTML and PDF
(``service.web.documents``) in English or Welsh.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.agenda import agenda
from assembly.models import Assembly, Motion
from assembly.motions.views import motion_out
from schemas.assemblies import DiffLineOut, LineOut

__all__ = ["BookAmendment", "BookMotion", "Forwarded", "MotionsBook", "motions_book"]

ADMITTED_AMENDMENTS = ("admitted", "voting", "carried", "lost", "fallen")


@dataclass(frozen=True, slots=True)
class BookAmendment:
    """An admitted amendment: its number, what it does, and the motion's lines it changes."""

    number: int
    describe: str
    start: int
    end: int
    diff: list[DiffLineOut]


@dataclass(frozen=True, slots=True)
class Forwarded:
    """Where a forwarded motion came from: that assembly, its motion number, the vote."""

    assembly: str
    number: int
    contest: str | None


@dataclass(frozen=True, slots=True)
class BookMotion:
    """A motion on the agenda, as the book prints it."""

    position: int
    number: int
    title: str
    category: str
    scope: str
    lines: list[LineOut]
    proposer_branch: str | None
    composite_of: list[int] = field(default_factory=list)
    forwarded_from: Forwarded | None = None
    amendments: list[BookAmendment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MotionsBook:
    """The assembly's motions book."""

    title: str
    kind: str
    scope: str
    motions: list[BookMotion]


async def _forwarded(session: AsyncSession, motion_id: str | None) -> Forwarded | None:
    if motion_id is None:
        return None
    source = await session.scalar(select(Motion).where(Motion.id == uuid.UUID(motion_id)))
    if source is None:
        return None
    held = await session.scalar(select(Assembly.title).where(Assembly.id == source.assembly_id))
    contest = None if source.contest_id is None else str(source.contest_id)
    return Forwarded(assembly=held or "", number=source.number, contest=contest)


async def motions_book(session: AsyncSession, assembly: Assembly) -> MotionsBook:
    """The motions book of ``assembly`` as it stands. Cost: one read of the agenda, and per
    motion the reads of ``motion_out`` (its seconders and amendments)."""
    motions = await agenda(session, assembly.id)
    numbers = {
        str(m.id): m.number
        for m in (
            await session.scalars(select(Motion).where(Motion.assembly_id == assembly.id))
        ).all()
    }
    shown = []
    for position, motion in enumerate(motions, start=1):
        out = await motion_out(session, motion, assembly)
        amendments = sorted(
            (
                BookAmendment(a.number, a.describe, a.start, a.end, a.diff)
                for a in out.amendments
                if a.state in ADMITTED_AMENDMENTS
            ),
            key=lambda a: (a.start, a.end, a.number),
        )
        shown.append(
            BookMotion(
                position=position,
                number=out.number,
                title=out.title,
                category=out.category,
                scope=out.scope,
                lines=out.lines,
                proposer_branch=out.proposer_branch,
                composite_of=sorted(numbers[s] for s in out.composite_of if s in numbers),
                forwarded_from=await _forwarded(session, out.forwarded_from),
                amendments=amendments,
            )
        )
    return MotionsBook(assembly.title, assembly.kind, assembly.scope, shown)
