"""Sortitions as callers see them, and the record published for ``plenary verify-draw``.

Anyone signed in sees a sortition's rules, pool size, commitment and, once drawn, the panel
(membership numbers: a public result). The record adds the committed inputs (tickets and
features, never membership numbers outside the panel), the randomness, the seed and the
``tally`` result. See docs/ARCHITECTURE.md.
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
        state=sortition.state,  # type: ignore[arg-type]
        pool=pool,
        pool_closes_at=sortition.pool_closes_at,
        source=sortition.source,
        inputs_digest=sortition.inputs_digest,
        excluded=sortition.excluded,
        committed_at=sortition.committed_at,
        seed_hex=sortition.seed_hex,
        panel=sortition.panel,
        drawn_at=sortition.drawn_at,
        volunteered=volunteered,
    )


def sortition_record(sortition: Sortition) -> dict[str, Any]:
    """The published record of a drawn sortition (``assembly.sortition.sortition_record`` format);
    ``SortitionStateError`` before the draw."""
    if (
        sortition.state != "drawn"
        or sortition.result is None
        or sortition.inputs is None
        or sortition.committed_at is None
        or sortition.panel is None
    ):
        raise SortitionStateError(f"the sortition is {sortition.state}; it has no record yet")
    return {
        "format": RECORD_FORMAT,
        "sortition": str(sortition.id),
        "title": sortition.title,
        "scope": sortition.scope,
        "role": sortition.role,
        "term": sortition.term,
        "inputs": sortition.inputs,
        "commitment": {
            "inputs_digest": sortition.inputs_digest,
            "committed_at": utc_text(sortition.committed_at),
            "source": sortition.source,
            "excluded": sortition.excluded,
        },
        "randomness": sortition.randomness,
        "seed_hex": sortition.seed_hex,
        "result": sortition.result,
        "panel": [
            {"ticket": ticket, "membership_number": number}
            for ticket, number in zip(sortition.result["panel"], sortition.panel, strict=True)
        ],
    }
