"""Sortitions as callers see them, and the record published for ``plenary verify-draw``.

Anyone signed in sees a sortition's rules, pool size, commitment and, once drawn, the panel
(membership numbers: a public result). The record adds the committed inputs (tickets and
features, never membership numbers outside the panel) with each ticket's salted commitment, and
once drawn the beacon, the seed, the ``tally`` result and the salts opening the panel's
commitments. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.sortition.sortition import SortitionStateError
from assembly.sortition.sortition_models import Sortition, SortitionVolunteer
from assembly.sortition.sortition_record import RECORD_FORMAT
from schemas.moments import utc_text
from schemas.sortition import SortitionOut
from tally.sortition import Portfolio

__all__ = ["sortition_out", "sortition_record"]


async def sortition_out(
    session: AsyncSession, sortition: Sortition, member_id: int | None = None
) -> SortitionOut:
    """The public shape; ``volunteered`` says whether member ``member_id`` is in the pool."""
    pool = int(
        await session.scalar(
            select(func.count()).where(SortitionVolunteer.sortition_id == sortition.id)
        )
        or 0
    )
    volunteered = None
    if member_id is not None:
        volunteered = (
            await session.scalar(
                select(SortitionVolunteer.ticket).where(
                    SortitionVolunteer.sortition_id == sortition.id,
                    SortitionVolunteer.member_id == member_id,
                )
            )
        ) is not None
    return SortitionOut(
        id=str(sortition.id),
        title=sortition.title,
        scope=sortition.scope,
        role=sortition.role,
        term=sortition.term,
        exclude_terms=sortition.exclude_terms,
        seats=sortition.seats,
        method=sortition.method,
        features=sortition.features,
        quotas=sortition.quotas,
        state=sortition.state,
        pool=pool,
        pool_closes_at=sortition.pool_closes_at,
        source=sortition.source,
        inputs_digest=sortition.inputs_digest,
        entries_digest=sortition.entries_digest,
        portfolio_digest=None
        if sortition.portfolio is None
        else Portfolio.from_dict(sortition.portfolio).digest(),
        lowest_chance=None if sortition.portfolio is None else sortition.portfolio["lowest_chance"],
        highest_chance=None
        if sortition.portfolio is None
        else sortition.portfolio["highest_chance"],
        excluded=sortition.excluded,
        committed_at=sortition.committed_at,
        commit_problem=sortition.commit_problem,
        seed_hex=sortition.seed_hex,
        panel=sortition.panel,
        drawn_at=sortition.drawn_at,
        volunteered=volunteered,
    )


async def sortition_record(session: AsyncSession, sortition: Sortition) -> dict[str, Any]:
    """The published record (``assembly.sortition.sortition_record`` format): from the
    commitment on, the inputs and every ticket's commitment, so each volunteer can check their
    entry before the draw; once drawn, the beacon, the seed, the result and the panel (tickets,
    membership numbers and the salts that open their commitments). ``SortitionStateError``
    while the pool is open."""
    if (
        sortition.state not in ("committed", "drawn")
        or sortition.inputs is None
        or sortition.committed_at is None
    ):
        raise SortitionStateError(f"the sortition is {sortition.state}; it has no record yet")
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "sortition": str(sortition.id),
        "title": sortition.title,
        "scope": sortition.scope,
        "role": sortition.role,
        "term": sortition.term,
        "inputs": sortition.inputs,
        "commitment": {
            "inputs_digest": sortition.inputs_digest,
            "entries_digest": sortition.entries_digest,
            "entries": sortition.entries,
            "portfolio_digest": None
            if sortition.portfolio is None
            else Portfolio.from_dict(sortition.portfolio).digest(),
            "portfolio": sortition.portfolio,
            "committed_at": utc_text(sortition.committed_at),
            "source": sortition.source,
            "excluded": sortition.excluded,
        },
        "randomness": None,
        "drawn_at": None,
        "seed_hex": None,
        "result": None,
        "panel": None,
    }
    if sortition.state != "drawn" or sortition.result is None or sortition.panel is None:
        return record
    tickets = list(sortition.result["panel"])
    salts = dict(
        (
            await session.execute(
                select(SortitionVolunteer.ticket, SortitionVolunteer.salt).where(
                    SortitionVolunteer.sortition_id == sortition.id,
                    SortitionVolunteer.ticket.in_(tickets),
                )
            )
        ).all()
    )
    record.update(
        {
            "randomness": sortition.randomness,
            "drawn_at": None if sortition.drawn_at is None else utc_text(sortition.drawn_at),
            "seed_hex": sortition.seed_hex,
            "result": sortition.result,
            "panel": [
                {"ticket": ticket, "membership_number": number, "salt": salts.get(ticket)}
                for ticket, number in zip(tickets, sortition.panel, strict=True)
            ],
        }
    )
    return record
