"""The log in PostgreSQL: entries, stored hashes and signed checkpoints.

Appending happens inside the caller's transaction, so a decision and its log entry commit or
vanish together. Appends take the single ``audit_head`` row lock, which puts them in one
order with no gaps (a rolled-back append leaves nothing behind) while readers, who never lock,
carry on. Keep the append the last thing before the commit: the lock is held until then.

Tables: ``audit_entry`` (index, canonical bytes, leaf hash), ``audit_hash`` (stored hashes of
complete subtrees, as in ``audit.stored``), ``audit_head`` (the committed size) and
``audit_checkpoint`` (signed checkpoints by size; one root per size, ever). Proofs, tiles and
checkpoint signing over these tables live in ``audit.store_proofs`` and
``audit.store_checkpoints``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Final

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
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from audit.errors import StoreError
from audit.events import Event, encode_event
from audit.merkle import Hash, leaf_hashes
from audit.stored import append_indexes, hashes_to_store_from

__all__ = [
    "COPY_THRESHOLD",
    "MAX_ENTRY_BYTES",
    "append_entries",
    "append_event",
    "audit_checkpoint",
    "audit_entry",
    "audit_hash",
    "audit_head",
    "log_size",
    "metadata",
    "read_entries",
    "read_entry_rows",
    "read_hash_range",
    "read_hashes",
]

MAX_ENTRY_BYTES: Final = 0xFFFF
"""The largest entry a C2SP entry bundle can carry (a big-endian uint16 length)."""

COPY_THRESHOLD: Final = 64
"""Batches of at least this many entries are written with ``COPY`` rather than ``INSERT``."""

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

# One statement both takes the head row lock and reserves the indexes: concurrent appenders
# queue on the row, and each sees the size its predecessor committed (READ COMMITTED
# re-reads an updated row once the lock is granted).
_RESERVE = text("UPDATE audit_head SET size = size + :count WHERE id = 1 RETURNING size")
_CREATE_HEAD = insert(audit_head).values(id=1, size=0).on_conflict_do_nothing()
_READ_HASHES = text("SELECT idx, hash FROM audit_hash WHERE idx = ANY(:indexes)").bindparams(
    bindparam("indexes", type_=ARRAY(BigInteger))
)


async def _reserve(session: AsyncSession, count: int) -> int:
    """Lock the head row, advance it by ``count`` and return the first reserved index."""
    size = await session.scalar(_RESERVE, {"count": count})
    if size is None:  # the first append ever: create the row, then queue on it like anyone
        await session.execute(_CREATE_HEAD)
        size = await session.scalar(_RESERVE, {"count": count})
        if size is None:
            raise StoreError("the audit_head row could not be created")
    return int(size) - count


async def read_hashes(session: AsyncSession, indexes: Sequence[int]) -> list[Hash]:
    """Stored hashes at ``indexes``, in that order; :class:`StoreError` if one is missing.

    Cost: one primary-key query with the indexes as one array parameter (one prepared
    statement whatever the count).
    """
    if not indexes:
        return []
    rows = await session.execute(_READ_HASHES, {"indexes": list(indexes)})
    found = {int(i): Hash(bytes(h)) for i, h in rows}
    missing = [i for i in indexes if i not in found]
    if missing:
        raise StoreError(f"stored hashes missing from the log: {missing[:5]}")
    return [found[i] for i in indexes]


async def read_hash_range(session: AsyncSession, start: int, end: int) -> list[Hash]:
    """Stored hashes ``start ≤ index < end``, in order; :class:`StoreError` if one is missing.

    Cost: one primary-key range scan through the driver (about 0.3 µs a hash), for
    re-checking long stretches of the log.
    """
    driver = await _driver_connection(session)
    rows = await driver.fetch(
        "SELECT hash FROM audit_hash WHERE idx >= $1 AND idx < $2 ORDER BY idx", start, end
    )
    if len(rows) != end - start:
        raise StoreError(f"stored hashes {start} to {end - 1}: {end - start - len(rows)} missing")
    return [Hash(row[0]) for row in rows]


async def read_entry_rows(
    session: AsyncSession, start: int, end: int
) -> tuple[list[int], list[bytes], list[bytes]]:
    """Indexes, bytes and recorded leaf hashes of entries ``start ≤ index < end``, in order.

    Cost: one primary-key range scan through the driver, for re-checking long stretches.
    """
    driver = await _driver_connection(session)
    rows = await driver.fetch(
        "SELECT idx, data, leaf_hash FROM audit_entry WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        start,
        end,
    )
    return [row[0] for row in rows], [row[1] for row in rows], [row[2] for row in rows]


async def _driver_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's current transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def append_entries(session: AsyncSession, entries: Sequence[bytes]) -> int:
    """Append ``entries`` in order inside the caller's transaction; return the first index.

    The caller commits (or rolls back, which leaves no trace: no entry, no hash, the head
    unchanged). Cost: one row-lock update, one read of ``popcount(size)`` edge hashes, then
    the entries and about ``2 × len(entries)`` stored hashes written in one statement each,
    through ``COPY`` from :data:`COPY_THRESHOLD` entries up (about 100,000 entries a second
    in batches of 10,000; ``bench/audit_store_speed.py``).
    """
    if not entries:
        raise ValueError("nothing to append")
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_BYTES:
            raise ValueError(
                f"entry {position} is {len(entry)} bytes; log entries are at most "
                f"{MAX_ENTRY_BYTES} bytes (the C2SP entry-bundle limit)"
            )
    start = await _reserve(session, len(entries))
    edge = await read_hashes(session, append_indexes(start))
    leaves = leaf_hashes(entries)
    rows = hashes_to_store_from(leaves, start, edge)
    if len(entries) >= COPY_THRESHOLD:
        driver = await _driver_connection(session)
        await driver.copy_records_to_table(
            "audit_entry",
            records=zip(range(start, start + len(entries)), entries, leaves, strict=True),
            columns=("idx", "data", "leaf_hash"),
        )
        await driver.copy_records_to_table("audit_hash", records=rows, columns=("idx", "hash"))
        return start
    await session.execute(
        insert(audit_entry),
        [
            {"idx": start + i, "data": entry, "leaf_hash": leaf}
            for i, (entry, leaf) in enumerate(zip(entries, leaves, strict=True))
        ],
    )
    await session.execute(insert(audit_hash), [{"idx": i, "hash": h} for i, h in rows])
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
    """The number of committed entries (0 for an empty log). Cost: one primary-key read."""
    size = await session.scalar(select(audit_head.c.size).where(audit_head.c.id == 1))
    return int(size or 0)


async def read_entries(session: AsyncSession, start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries ``start ≤ index < end`` with their indexes, in order. Cost: one range scan."""
    rows = await session.execute(
        select(audit_entry.c.idx, audit_entry.c.data)
        .where(audit_entry.c.idx >= start, audit_entry.c.idx < end)
        .order_by(audit_entry.c.idx)
    )
    return [(int(i), bytes(d)) for i, d in rows]
