"""The roll's lock: an electorate is always frozen from one whole roll snapshot.

Roll imports hold a transaction-level advisory lock exclusively; opening a contest or a
petition holds it shared and names the snapshot it froze.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from roll.models import RollSnapshot

__all__ = ["ROLL_LOCK", "RollRef", "hold_roll", "lock_roll_for_import"]

# Roll imports hold this transaction-level advisory lock exclusively; opening a contest holds it
# shared, so an electorate is always frozen from one whole roll snapshot.
ROLL_LOCK = 0x706C656E_61727931


@dataclass(frozen=True, slots=True)
class RollRef:
    """A roll snapshot as a frozen decision names it: its id and the digest of its roll."""

    id: int
    digest: str


_SHARED = text("SELECT pg_advisory_xact_lock_shared(:k)")
_EXCLUSIVE = text("SELECT pg_advisory_xact_lock(:k)")


async def hold_roll(session: AsyncSession) -> RollRef | None:
    """Hold the roll still until this transaction ends (shared with other readers, exclusive
    of imports) and return its current snapshot, or None before the first import.

    Cost: one advisory lock and one indexed read.
    """
    await session.execute(_SHARED, {"k": ROLL_LOCK})
    row = (
        await session.execute(
            select(RollSnapshot.id, RollSnapshot.digest).order_by(RollSnapshot.id.desc()).limit(1)
        )
    ).first()
    return None if row is None else RollRef(row[0], row[1])


async def lock_roll_for_import(session: AsyncSession) -> None:
    """Take the roll exclusively until this transaction ends: one import at a time, and no
    electorate frozen from half an import."""
    await session.execute(_EXCLUSIVE, {"k": ROLL_LOCK})
