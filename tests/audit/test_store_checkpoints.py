"""Signing checkpoints of the PostgreSQL log: one root per size, and only over a log that grew."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from audit.canonical import canonical_json
from audit.checkpoint import open_checkpoint
from audit.memory import MemoryLog
from audit.merkle import EMPTY_ROOT
from audit.note import Signer, generate_signer_key, parse_signer_key
from audit.proofs import check_consistency, prove_consistency
from audit.store import append_entries, audit_checkpoint, read_entries
from audit.store_checkpoints import (
    SIGNING_LOCK,
    LogIntegrityError,
    StoredCheckpoint,
    checkpoint_at,
    latest_checkpoint,
    sign_checkpoint_if_grown,
)
from audit.stored import stored_hash_index, tree_hash
from service.database import session_for

ORIGIN = "test.plenary.example/log"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return parse_signer_key(generate_signer_key(ORIGIN)[0])


def _entries(start: int, stop: int) -> list[bytes]:
    return [canonical_json({"n": n, "type": "test.appended"}) for n in range(start, stop)]


async def _append(url: str, entries: list[bytes]) -> None:
    async with session_for(url) as s:
        await append_entries(s, entries)
        await s.commit()


async def _sign(url: str, signer: Signer) -> StoredCheckpoint | None:
    async with session_for(url) as s:
        return await sign_checkpoint_if_grown(s, signer, ORIGIN)


async def _checkpoint_count(url: str) -> int:
    async with session_for(url) as s:
        return int(await s.scalar(select(func.count()).select_from(audit_checkpoint)) or 0)


async def _tamper_hash(url: str, index: int) -> None:
    async with session_for(url) as s:
        await s.execute(
            text("UPDATE audit_hash SET hash = :h WHERE idx = :i"), {"h": b"\x07" * 32, "i": index}
        )
        await s.commit()


async def test_signs_the_empty_log_then_each_growth_once(database_url: str, signer: Signer) -> None:
    empty = await _sign(database_url, signer)
    assert empty is not None
    assert (empty.size, empty.root) == (0, EMPTY_ROOT)

    await _append(database_url, _entries(0, 5))
    first = await _sign(database_url, signer)
    again = await _sign(database_url, signer)
    assert first is not None
    assert again == first  # no growth, no new signature
    log = MemoryLog()
    log.append(_entries(0, 5))
    checkpoint, _ = open_checkpoint(first.note, [signer.verifier()], ORIGIN)
    assert (checkpoint.size, checkpoint.root_hash) == (5, tree_hash(5, log))
    assert await _checkpoint_count(database_url) == 2

    await _append(database_url, _entries(5, 13))
    second = await _sign(database_url, signer)
    assert second is not None
    assert second.size == 13
    log.append(_entries(5, 13))
    check_consistency(prove_consistency(5, 13, log), 5, first.root, 13, second.root)
    async with session_for(database_url) as s:
        assert await latest_checkpoint(s) == second
        assert await checkpoint_at(s, 5) == first
        assert await checkpoint_at(s, 6) is None


async def test_concurrent_signers_never_sign_two_roots_for_one_size(
    database_url: str, signer: Signer
) -> None:
    engine = create_async_engine(database_url, pool_size=10, max_overflow=0)

    async def appender(round_: int) -> None:
        async with AsyncSession(engine) as s:
            await append_entries(s, _entries(round_ * 3, round_ * 3 + 3))
            await s.commit()

    async def keep_signing() -> None:
        for _ in range(4):
            async with AsyncSession(engine) as s:
                await sign_checkpoint_if_grown(s, signer, ORIGIN)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(appender(r) for r in range(8)), *(keep_signing() for _ in range(6)))
        async with AsyncSession(engine) as s:
            final = await sign_checkpoint_if_grown(s, signer, ORIGIN)
            rows = (await s.execute(select(audit_checkpoint.c.size, audit_checkpoint.c.note))).all()
            log = MemoryLog()
            log.append([data for _, data in await read_entries(s, 0, 24)])
    finally:
        await engine.dispose()

    assert final is not None
    assert final.size == 24
    sizes = [size for size, _ in rows]
    assert len(sizes) == len(set(sizes))
    for size, note in rows:
        checkpoint, _ = open_checkpoint(note, [signer.verifier()], ORIGIN)
        assert checkpoint.root_hash == tree_hash(size, log)


async def test_the_table_refuses_a_second_root_for_a_signed_size(
    database_url: str, signer: Signer
) -> None:
    await _append(database_url, _entries(0, 3))
    signed = await _sign(database_url, signer)
    assert signed is not None
    forged = audit_checkpoint.insert().values(size=3, root=b"\x00" * 32, note=signed.note)
    async with session_for(database_url) as s:
        with pytest.raises(IntegrityError):
            await s.execute(forged)


@pytest.mark.parametrize(
    ("level", "n", "refusal"),
    [
        # Leaf 4 is on the old tree's right edge: the old signed root no longer follows.
        (0, 4, "no longer give the root signed at size 5"),
        # The stored hash of [0, 8) is the new root: the consistency proof from 5 fails.
        (3, 0, "not an extension of the checkpoint at size 5"),
    ],
)
async def test_a_tampered_hash_fails_the_consistency_check_and_nothing_is_signed(
    database_url: str, signer: Signer, level: int, n: int, refusal: str
) -> None:
    await _append(database_url, _entries(0, 5))
    assert await _sign(database_url, signer) is not None
    await _append(database_url, _entries(5, 8))
    await _tamper_hash(database_url, stored_hash_index(level, n))
    with pytest.raises(LogIntegrityError, match=refusal):
        await _sign(database_url, signer)
    assert await _checkpoint_count(database_url) == 1


async def test_a_tampered_hash_written_since_the_last_checkpoint_stops_signing(
    database_url: str, signer: Signer
) -> None:
    await _append(database_url, _entries(0, 5))
    assert await _sign(database_url, signer) is not None
    await _append(database_url, _entries(5, 8))
    # Leaf 6 is on no path to the new root, but inclusion proofs for entry 7 use it.
    tampered = stored_hash_index(0, 6)
    await _tamper_hash(database_url, tampered)
    with pytest.raises(LogIntegrityError, match=f"stored hash {tampered} "):
        await _sign(database_url, signer)
    assert await _checkpoint_count(database_url) == 1


async def test_an_altered_new_entry_is_named_and_not_signed(
    database_url: str, signer: Signer
) -> None:
    await _append(database_url, _entries(0, 5))
    assert await _sign(database_url, signer) is not None
    await _append(database_url, _entries(5, 9))
    async with session_for(database_url) as s:
        await s.execute(text("UPDATE audit_entry SET data = 'forged' WHERE idx = 6"))
        await s.commit()
    with pytest.raises(LogIntegrityError, match="entry 6 "):
        await _sign(database_url, signer)
    assert await _checkpoint_count(database_url) == 1


async def test_a_busy_signer_lock_makes_a_background_attempt_step_aside(
    database_url: str, signer: Signer
) -> None:
    await _append(database_url, _entries(0, 2))
    async with session_for(database_url) as holder, session_for(database_url) as other:
        await holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SIGNING_LOCK})
        assert await sign_checkpoint_if_grown(other, signer, ORIGIN, wait=False) is None
        await holder.rollback()
        signed = await sign_checkpoint_if_grown(other, signer, ORIGIN, wait=False)
    assert signed is not None
    assert signed.size == 2
