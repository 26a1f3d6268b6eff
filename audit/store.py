"""The log in PostgreSQL: entries, stored hashes and signed checkpoints.

Appending happens inside the caller's transaction, so a decision and its log entry commit or
vanish together. Appends take the single ``audit_head`` row lock, which puts them in one
order with no gaps (a rolled-back append leaves nothing behind) while readers, who never lock,
carry on. Keep the append the last thing before the commit: the lock is held until then.

Tables: ``audit_entry`` (index, canonical bytes, leaf hash), ``audit_hash`` (stored hashes of
complete subtrees, as in ``audit.stored``), ``audit_head`` (the committed size) and
``audit_checkpoint`` (signed checkpoints by size; one root per size, ever).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from audit.events import Event, encode_event
from audit.merkle import Hash, leaf_hash
from audit.stored import append_indexes, hashes_to_store_from

__all__ = [
    "append_entries",
    "append_event",
    "audit_checkpoint",
    "audit_entry",
    "audit_hash",
    "audit_head",
    "log_size",
    "metadata",
    "read_entries",
    "read_hashes",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

audit_entry = Table(
    "audit_entry",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
    CheckConstraint("octet_length(leaf_hash) = 32", name="leaf_hash_32"),
)

audit_hash = Table(
    "audit_hash",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
    CheckConstraint("octet_length(hash) = 32", name="hash_32"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

audit_checkpoint = Table(
    "audit_checkpoint",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


async def _lock_head(session: AsyncSession) -> int:
    """Lock the head row (creating it on first use) and return the committed size."""
    await session.execute(insert(audit_head).values(id=1, size=0).on_conflict_do_nothing())
    size = await session.scalar(
        select(audit_head.c.size).where(audit_head.c.id == 1).with_for_update()
    )
    assert size is not None
    return int(size)


async def read_hashes(session: AsyncSession, indexes: Sequence[int]) -> list[Hash]:
    """Stored hashes at ``indexes``, in that order. Cost: one indexed query."""
    if not indexes:
        return []
    rows = await session.execute(
        select(audit_hash.c.idx, audit_hash.c.hash).where(audit_hash.c.idx.in_(set(indexes)))
    )
    found = {int(i): Hash(bytes(h)) for i, h in rows}
    missing = [i for i in indexes if i not in found]
    if missing:
        raise LookupError(f"stored hashes missing from the log: {missing[:5]}")
    return [found[i] for i in indexes]


async def append_entries(session: AsyncSession, entries: Sequence[bytes]) -> int:
    """Append ``entries`` in order; returns the index of the first. Caller commits.

    Cost: one row lock, one read of ``popcount(size)`` edge hashes, one insert of the entries
    and one of about ``2 × len(entries)`` stored hashes.
    """
    if not entries:
        raise ValueError("nothing to append")
    start = await _lock_head(session)
    edge = await read_hashes(session, append_indexes(start))
    leaves = [leaf_hash(e) for e in entries]
    rows = hashes_to_store_from(leaves, start, edge)
    await session.execute(
        insert(audit_entry),
        [
            {"idx": start + i, "data": entry, "leaf_hash": leaf}
            for i, (entry, leaf) in enumerate(zip(entries, leaves, strict=True))
        ],
    )
    await session.execute(insert(audit_hash), [{"idx": i, "hash": h} for i, h in rows])
    await session.execute(
        audit_head.update().where(audit_head.c.id == 1).values(size=start + len(entries))
    )
    return start


async def append_event(
    session: AsyncSession,
    type: str,
    *,
    actor: str,
    subjects: Mapping[str, str | int],
    digests: Mapping[str, str] | None = None,
    facts: Mapping[str, str | int | bool | None] | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Log one decision in the caller's transaction; returns its index. The one function every
    package calls to record a state change (see ``audit.events`` for what may go in it)."""
    event = Event(
        type=type,
        actor=actor,
        subjects=subjects,
        digests=digests or {},
        facts=facts or {},
        at=at or dt.datetime.now(dt.UTC),
    )
    return await append_entries(session, [encode_event(event)])


async def log_size(session: AsyncSession) -> int:
    """The number of committed entries (0 for an empty log)."""
    size = await session.scalar(select(audit_head.c.size).where(audit_head.c.id == 1))
    return int(size or 0)


async def read_entries(session: AsyncSession, start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries ``start ≤ index < end`` with their indexes, in order."""
    rows = await session.execute(
        select(audit_entry.c.idx, audit_entry.c.data)
        .where(audit_entry.c.idx >= start, audit_entry.c.idx < end)
        .order_by(audit_entry.c.idx)
    )
    return [(int(i), bytes(d)) for i, d in rows]
