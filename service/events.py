"""The log entries the service itself writes (roll imports, key generation and rotation)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from audit.store import append_event
from roll.imports import ImportedRoll

__all__ = ["log_roll_import"]


async def log_roll_import(session: AsyncSession, imported: ImportedRoll, *, actor_role: str) -> int:
    """Log a roll import: the snapshot, its digest and counts; never who is on it."""
    return await append_event(
        session,
        "roll.imported",
        actor=actor_role,
        subjects={"roll_snapshot": imported.snapshot_id},
        digests={"roll": "sha256:" + imported.digest},
        facts={
            "members": imported.member_count,
            "active": imported.active_count,
            "created": imported.created,
            "updated": imported.updated,
        },
    )
