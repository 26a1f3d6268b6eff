"""The order of business: which motions an assembly takes, first to last.

The agenda is every motion that reached it (admitted, including composites and forwarded
motions, and those since voted or remitted), in the order the chair set, then by number. See
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.assemblies import touch_assembly
from assembly.meetings.timetable import AssemblyStateError
from assembly.models import Motion
from assembly.motions.motions import RULING_STATES
from audit.canonical import canonical_json
from audit.events import digest_of
from schemas.problems import DomainError

__all__ = ["ON_AGENDA", "agenda", "order_of_business", "set_agenda"]

ON_AGENDA = ("admitted", "carried", "lost", "remitted", "forwarded")


async def agenda(session: AsyncSession, assembly_id: uuid.UUID) -> list[Motion]:
    """The motions on the agenda in the order of business. Cost: one indexed read."""
    rows = await session.scalars(
        select(Motion)
        .where(Motion.assembly_id == assembly_id, Motion.state.in_(ON_AGENDA))
        .order_by(Motion.agenda_position.asc().nulls_last(), Motion.number)
    )
    return list(rows.all())


def order_of_business(numbered: Iterable[tuple[int, str]]) -> list[str]:
    """The motion ids in the order the chair numbered them (``(number, motion id)`` pairs),
    when the numbers run from 1 to how many there are, each once; else ``DomainError`` naming
    every repeated and every missing number, so nothing is saved in an order the chair did
    not mean."""
    pairs = list(numbered)
    counts = Counter(number for number, _ in pairs)
    repeated = sorted(number for number, seen in counts.items() if seen > 1)
    missing = sorted(set(range(1, len(pairs) + 1)) - set(counts))
    problems = []
    if repeated:
        problems.append(f"{_numbers(repeated)} given to more than one motion")
    if missing:
        problems.append(f"{_numbers(missing)} missing")
    if problems:
        raise DomainError(
            f"number the motions 1 to {len(pairs)}, each number once: {'; '.join(problems)}; "
            "the order of business is unchanged"
        )
    return [motion for _, motion in sorted(pairs)]


def _numbers(numbers: list[int]) -> str:
    listed = ", ".join(str(n) for n in numbers)
    return f"number {listed}" if len(numbers) == 1 else f"numbers {listed}"


async def set_agenda(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    motion_ids: list[str],
    *,
    at: dt.datetime | None = None,
) -> list[Motion]:
    """The chair puts the listed motions (each on the agenda) first, in that order; the rest
    follow by number. Logged with the digest of the order. Caller commits."""
    assembly = await touch_assembly(session, assembly_id, at=at, lock=True)
    if assembly.state not in RULING_STATES:
        raise AssemblyStateError(f"the assembly is {assembly.state}; its agenda is fixed")
    try:
        order = [uuid.UUID(i) for i in motion_ids]
    except ValueError:
        raise DomainError("the agenda lists motion ids") from None
    if len(set(order)) != len(order):
        raise DomainError("each motion appears on the agenda once")
    motions = {m.id: m for m in await agenda(session, assembly.id)}
    missing = [str(i) for i in order if i not in motions]
    if missing:
        raise DomainError(f"not on this assembly's agenda (admit them first): {', '.join(missing)}")
    for motion in motions.values():
        motion.agenda_position = None
    for position, motion_id in enumerate(order, start=1):
        motions[motion_id].agenda_position = position
    await log_event(
        session,
        assembly.id,
        "assembly.agenda_set",
        actor="chair",
        digests={"order": digest_of(canonical_json([str(i) for i in order]))},
        facts={"motions": len(order)},
    )
    await session.flush()
    return await agenda(session, assembly.id)
