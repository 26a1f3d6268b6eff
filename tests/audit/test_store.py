"""Appending to the PostgreSQL log: in the caller's transaction, in one gapless order."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from audit.canonical import canonical_json
from audit.errors import StoreError
from audit.events import decode_event
from audit.memory import MemoryLog
from audit.store import (
    COPY_THRESHOLD,
    MAX_ENTRY_BYTES,
    append_entries,
    append_event,
    audit_entry,
    audit_hash,
    audit_head,
    log_size,
    read_entries,
    read_hashes,
)
from audit.stored import stored_hash_count, tree_hash
from roll.models import Region
from service.database import session_for


def _entry(n: int, by: str = "test") -> bytes:
    return canonical_json({"n": n, "type": "test.appended", "by": by})


async def _counts(url: str) -> tuple[int, int, int]:
    async with session_for(url) as s:
        entries = await s.scalar(select(func.count()).select_from(audit_entry))
        hashes = await s.scalar(select(func.count()).select_from(audit_hash))
        return int(entries or 0), int(hashes or 0), await log_size(s)


async def _all_rows(url: str) -> tuple[list[tuple[int, bytes]], list[bytes]]:
    async with session_for(url) as s:
        size = await log_size(s)
        entries = await read_entries(s, 0, size)
        rows = await s.execute(
            select(audit_hash.c.idx, audit_hash.c.hash).order_by(audit_hash.c.idx)
        )
        hashes = [bytes(h) for _, h in rows]
    return entries, hashes


async def test_event_commits_with_the_decision_it_records(database_url: str) -> None:
    async with session_for(database_url) as s:
        s.add(Region(code="SCO", name="Scotland"))
        index = await append_event(
            s, "region.created", actor="admin", subjects={"region": "SCO"}, facts={"n": 1}
        )
        await s.commit()
    assert index == 0
    async with session_for(database_url) as s:
        assert await s.scalar(select(func.count()).select_from(Region)) == 1
        [(at, data)] = await read_entries(s, 0, 1)
    assert at == 0
    event = decode_event(data)
    assert event.type == "region.created"
    assert event.subjects == {"region": "SCO"}


async def test_rolled_back_decision_leaves_no_entry_no_hash_and_the_head_unchanged(
    database_url: str,
) -> None:
    async with session_for(database_url) as s:
        await append_entries(s, [_entry(0), _entry(1), _entry(2)])
        await s.commit()
    before = await _counts(database_url)
    assert before == (3, stored_hash_count(3), 3)

    async with session_for(database_url) as s:
        s.add(Region(code="WAL", name="Wales"))
        await s.flush()
        assert await append_event(s, "region.created", actor="admin", subjects={"r": "WAL"}) == 3
        await s.rollback()

    assert await _counts(database_url) == before
    async with session_for(database_url) as s:
        assert await s.scalar(select(func.count()).select_from(Region)) == 0
        # The next append takes the index the rolled-back one had: no gap.
        assert await append_entries(s, [_entry(3)]) == 3
        await s.commit()
    entries, hashes = await _all_rows(database_url)
    assert [i for i, _ in entries] == [0, 1, 2, 3]
    assert len(hashes) == stored_hash_count(4)


async def test_concurrent_appends_from_many_sessions_form_one_gapless_verifiable_log(
    database_url: str,
) -> None:
    engine = create_async_engine(database_url, pool_size=12, max_overflow=0)
    rng = random.Random(4)
    plans = [(writer, rng.randint(1, 3), rng.random() < 0.25) for writer in range(24)]

    async def writer(number: int, count: int, roll_back: bool) -> int:
        async with AsyncSession(engine) as s:
            await append_entries(s, [_entry(k, by=f"w{number}") for k in range(count)])
            await asyncio.sleep(0.002)  # hold the head lock while others queue on it
            if roll_back:
                await s.rollback()
                return 0
            await s.commit()
            return count

    try:
        written = await asyncio.gather(*(writer(*plan) for plan in plans))
    finally:
        await engine.dispose()

    entries, hashes = await _all_rows(database_url)
    assert [i for i, _ in entries] == list(range(sum(written)))
    # Each writer's batch is contiguous and in its own order.
    for number, count, roll_back in plans:
        mine = [i for i, data in entries if f'"w{number}"'.encode() in data]
        assert len(mine) == (0 if roll_back else count)
        if mine:
            assert mine == list(range(mine[0], mine[0] + count))
    rebuilt = MemoryLog()
    rebuilt.append([data for _, data in entries])
    assert hashes == rebuilt.hashes
    async with session_for(database_url) as s:
        size = await log_size(s)
        stored_root = tree_hash(size, _SyncReader(await read_hashes(s, range(len(hashes)))))
    assert stored_root == tree_hash(size, rebuilt)


class _SyncReader:
    """All stored hashes read once, served to the pure algorithms."""

    def __init__(self, hashes: Sequence[bytes]) -> None:
        self.hashes = hashes

    def read_hashes(self, indexes):
        return [self.hashes[i] for i in indexes]


async def test_large_batches_through_copy_build_the_same_tree_as_single_appends(
    database_url: str,
) -> None:
    batch = [_entry(n) for n in range(COPY_THRESHOLD * 3 + 5)]
    async with session_for(database_url) as s:
        await append_entries(s, [_entry(-1)])
        await append_entries(s, batch)  # COPY
        await append_entries(s, [_entry(-2), _entry(-3)])  # INSERT after COPY
        await s.commit()
    entries, hashes = await _all_rows(database_url)
    expected = MemoryLog()
    expected.append([_entry(-1)])
    expected.append(batch)
    expected.append([_entry(-2), _entry(-3)])
    assert [data for _, data in entries] == expected.entries
    assert hashes == expected.hashes


async def test_an_entry_too_big_for_an_entry_bundle_is_refused(db_session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="at most 65535 bytes"):
        await append_entries(db_session, [_entry(0), b"x" * (MAX_ENTRY_BYTES + 1)])
    assert await log_size(db_session) == 0


async def test_missing_stored_hash_is_reported_not_invented(db_session: AsyncSession) -> None:
    await append_entries(db_session, [_entry(0)])
    await db_session.commit()
    with pytest.raises(StoreError, match="missing"):
        await read_hashes(db_session, [0, 7])


async def test_head_row_is_created_by_the_first_append(db_session: AsyncSession) -> None:
    assert await db_session.scalar(select(func.count()).select_from(audit_head)) == 0
    assert await append_entries(db_session, [_entry(0)]) == 0
    await db_session.commit()
    assert await db_session.scalar(select(func.count()).select_from(audit_head)) == 1
    assert await log_size(db_session) == 1
