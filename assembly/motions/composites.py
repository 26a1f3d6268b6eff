"""Motions made out of others, keeping provenance: composites and forwarded motions.

The chair composites several motions on one subject into one: the composite is admitted, and
each source becomes ``composited`` with a link to it. A motion carried by a regional assembly
can be forwarded to conference as a new motion there, with its final text, linked both ways and
proposed by the regional assembly; the source stays ``carried`` (forwarding is a link, not a
new outcome), and is forwarded once. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import AssemblyNotFound, timetable_of, touch_assembly
from assembly.meetings.timetable import AssemblyStateError, motions_window
from assembly.models import Amendment, Motion
from assembly.motions.motions import (
    RULING_STATES,
    MotionStateError,
    load_motion,
    log_motion,
    next_motion_number,
)
from assembly.motions.text import text_digest
from schemas.assemblies import CompositeCreate
from schemas.moments import now
from schemas.problems import DomainError

__all__ = ["composite_motions", "forward_motion"]


async def composite_motions(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    body: CompositeCreate,
    *,
    at: dt.datetime | None = None,
) -> Motion:
    """The chair composites ``body.sources`` (same category and scope, not yet voted, with no
    live amendments) into one admitted motion with ``body.paragraphs``. Caller commits.
    Cost: one locking read of the sources, one insert, one log append per motion."""
    assembly = await touch_assembly(session, assembly_id, at=at)
    if assembly.state not in RULING_STATES:
        raise AssemblyStateError(f"the assembly is {assembly.state}; it cannot composite motions")
    try:
        ids = sorted({uuid.UUID(s) for s in body.sources})
    except ValueError:
        raise DomainError("sources must be motion ids") from None
    if len(ids) < 2:
        raise DomainError("a composite is made of at least two different motions")
    sources = [await load_motion(session, i, lock=True) for i in ids]
    for source in sources:
        if source.assembly_id != assembly.id:
            raise DomainError(f"motion {source.id} belongs to another assembly")
        if source.state not in ("submitted", "admitted") or source.vote_state is not None:
            raise MotionStateError(
                f"motion {source.number} is {source.state}; it cannot be composited"
            )
    if len({(s.category, s.scope) for s in sources}) != 1:
        raise DomainError("a composite joins motions of one category and one scope")
    live = await session.scalar(
        select(func.count())
        .select_from(Amendment)
        .where(Amendment.motion_id.in_(ids), Amendment.state.in_(("submitted", "admitted")))
    )
    if live:
        raise MotionStateError(
            "some of these motions have amendments; rule on them (or let them be withdrawn) "
            "before compositing"
        )
    composite = Motion(
        id=uuid.uuid4(),
        assembly_id=assembly.id,
        number=await next_motion_number(session, assembly.id),
        title=body.title,
        category=sources[0].category,
        scope=sources[0].scope,
        state="admitted",
        paragraphs=list(body.paragraphs),
        text_digest=text_digest(body.paragraphs),
        amendment_count=0,
    )
    session.add(composite)
    await session.flush()
    for source in sources:
        source.state = "composited"
        source.composited_into_id = composite.id
        await log_motion(
            session,
            source,
            "composited",
            "chair",
            subjects={"composite": str(composite.id)},
            digests={"composite_text": composite.text_digest},
        )
    await log_motion(session, composite, "composite_made", "chair", facts={"sources": len(sources)})
    return composite


async def forward_motion(
    session: AsyncSession,
    motion_id: uuid.UUID,
    to_assembly_id: uuid.UUID,
    *,
    at: dt.datetime | None = None,
) -> Motion:
    """A motion carried by a regional assembly goes to a conference that is taking motions, as
    a new motion with the final text, proposed by the regional assembly. Caller commits."""
    moment = at or now()
    source = await load_motion(session, motion_id, lock=True)
    origin = await touch_assembly(session, source.assembly_id, at=moment)
    if origin.kind != "regional_assembly":
        raise DomainError("only motions carried by a regional assembly are forwarded to conference")
    if source.state != "carried" or source.final_paragraphs is None or source.final_digest is None:
        raise MotionStateError(
            f"motion {source.number} is {source.state}; only a carried motion is forwarded"
        )
    if source.forwarded_to_id is not None:
        raise MotionStateError(f"motion {source.number} has already been forwarded to conference")
    try:
        target = await touch_assembly(session, to_assembly_id, at=moment)
    except AssemblyNotFound:
        raise DomainError(f"there is no assembly {to_assembly_id} to forward to") from None
    if target.kind != "conference":
        raise DomainError("a motion is forwarded to a conference")
    motions_window(target.state, timetable_of(target), moment, "forwarding a motion to conference")
    forwarded = Motion(
        id=uuid.uuid4(),
        assembly_id=target.id,
        number=await next_motion_number(session, target.id),
        title=source.title,
        category=source.category,
        scope=target.scope,
        state="submitted",
        paragraphs=list(source.final_paragraphs),
        text_digest=source.final_digest,
        proposer_assembly_id=origin.id,
        forwarded_from_id=source.id,
        amendment_count=0,
    )
    session.add(forwarded)
    await session.flush()
    source.forwarded_to_id = forwarded.id
    await log_motion(
        session,
        source,
        "forwarded",
        "chair",
        subjects={"to_assembly": str(target.id), "to_motion": str(forwarded.id)},
        digests={"final": source.final_digest},
    )
    await log_motion(
        session,
        forwarded,
        "submitted",
        "chair",
        subjects={"from_assembly": str(origin.id), "from_motion": str(source.id)},
        facts={"category": forwarded.category, "scope": forwarded.scope, "forwarded": True},
    )
    return forwarded
