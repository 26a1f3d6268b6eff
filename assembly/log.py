"""Logging an assembly's decisions: one entry per change, indexed under its assembly.

Every change to an assembly, motion or amendment is logged through ``log_event``, which appends
the entry with ``audit.store.append_event`` (ids and digests only, never who) and notes its index
under the assembly, so the assembly's record lists its entries without scanning the whole log.
Every state change is an event (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import AssemblyLogEntry
from audit.store import append_event, audit_entry

__all__ = ["assembly_entries", "log_event"]


async def log_event(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    type: str,
    *,
    actor: str,
    subjects: Mapping[str, str] | None = None,
    digests: Mapping[str, str] | None = None,
    facts: Mapping[str, str | int | bool | None] | None = None,
) -> int:
    """Append ``type`` about the assembly (its id is added to ``subjects``) in the caller's
    transaction and index it under the assembly; returns the log index. Cost: one log append
    and one insert."""
    index = await append_event(
        session,
        type,
        actor=actor,
        subjects={"assembly": str(assembly_id), **(subjects or {})},
        digests=digests,
        facts=facts,
    )
    session.add(AssemblyLogEntry(assembly_id=assembly_id, log_index=index))
    return index


async def assembly_entries(
    session: AsyncSession, assembly_id: uuid.UUID, extra: list[int] | None = None
) -> list[tuple[int, bytes]]:
    """The log entries indexed under the assembly, plus those at ``extra`` indexes (its
    contests' entries), in log order. Cost: two indexed reads."""
    indexes = set(
        (
            await session.scalars(
                select(AssemblyLogEntry.log_index).where(
                    AssemblyLogEntry.assembly_id == assembly_id
                )
            )
        ).all()
    )
    indexes.update(extra or [])
    if not indexes:
        return []
    rows = await session.execute(
        select(audit_entry.c.idx, audit_entry.c.data)
        .where(audit_entry.c.idx.in_(sorted(indexes)))
        .order_by(audit_entry.c.idx)
    )
    return [(int(i), bytes(d)) for i, d in rows]
