"""Proofs, tiles and entry bundles read from the PostgreSQL log match the pure core's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from audit.canonical import canonical_json
from audit.errors import MalformedError
from audit.memory import MemoryLog
from audit.proofs import check_consistency, check_inclusion, prove_consistency, prove_inclusion
from audit.store import append_entries
from audit.store_proofs import (
    check_entry_range,
    consistency_proof,
    entry_with_leaf_hash,
    inclusion_proof,
    read_tile,
    tree_root,
)
from audit.stored import tree_hash
from audit.tile import entry_bundle_entries, parse_c2sp_tile_path, read_tile_data
from audit.tiled import tiled_log_files

SIZE = 300  # past one full tile of 256


def _entries(count: int) -> list[bytes]:
    return [canonical_json({"n": n, "type": "test.appended"}) for n in range(count)]


@pytest.fixture
async def stored_log(db_session: AsyncSession) -> MemoryLog:
    entries = _entries(SIZE)
    await append_entries(db_session, entries[:1])
    await append_entries(db_session, entries[1:])
    await db_session.commit()
    log = MemoryLog()
    log.append(entries)
    return log


async def test_roots_and_proofs_from_the_database_verify_and_match_the_core(
    db_session: AsyncSession, stored_log: MemoryLog
) -> None:
    for size in (1, 2, 7, 256, 257, SIZE):
        root = await tree_root(db_session, size)
        assert root == tree_hash(size, stored_log)
        for index in {0, size // 2, size - 1}:
            proof = await inclusion_proof(db_session, index, size)
            assert proof == prove_inclusion(size, index, stored_log)
            entry, leaf = await entry_with_leaf_hash(db_session, index)
            assert entry == stored_log.entries[index]
            check_inclusion(proof, size, root, index, leaf)
        for old in {1, size // 3 or 1, size}:
            proof = await consistency_proof(db_session, old, size)
            assert proof == prove_consistency(old, size, stored_log)
            check_consistency(proof, old, tree_hash(old, stored_log), size, root)


async def test_tiles_and_entry_bundles_are_the_core_export_of_the_stored_hashes(
    db_session: AsyncSession, stored_log: MemoryLog
) -> None:
    exported = dict(tiled_log_files(SIZE, stored_log.entries, stored_log))
    assert set(exported) == {"tile/0/000", "tile/0/001.p/44", "tile/1/000.p/1"} | {
        "tile/entries/000",
        "tile/entries/001.p/44",
    }
    for path, data in exported.items():
        assert await read_tile(db_session, parse_c2sp_tile_path(path)) == data
    # A narrower partial tile than the log has reached is still served, unchanged.
    narrow = parse_c2sp_tile_path("tile/0/001.p/3")
    assert await read_tile(db_session, narrow) == read_tile_data(narrow, stored_log)
    bundle = await read_tile(db_session, parse_c2sp_tile_path("tile/entries/001.p/3"))
    assert entry_bundle_entries(bundle) == stored_log.entries[256:259]


_REFUSALS: list[tuple[Callable[[AsyncSession], Awaitable[object]], str]] = [
    (lambda s: tree_root(s, SIZE + 1), "beyond the end of the log, which has 300 entries"),
    (lambda s: inclusion_proof(s, 5, 5), "index must be from 0 to 4"),
    (lambda s: inclusion_proof(s, 0, 0), "size must be at least 1"),
    (lambda s: inclusion_proof(s, 0, SIZE + 1), "size 301 is beyond"),
    (lambda s: consistency_proof(s, 0, 5), "from must be at least 1"),
    (lambda s: consistency_proof(s, 6, 5), r"to \(5\) must not be below from \(6\)"),
    (lambda s: consistency_proof(s, 1, 400), "to 400 is beyond"),
    (lambda s: entry_with_leaf_hash(s, SIZE), "beyond the end"),
    (lambda s: read_tile(s, parse_c2sp_tile_path("tile/0/001")), "the full tile"),
    (lambda s: read_tile(s, parse_c2sp_tile_path("tile/entries/002.p/1")), "needs 513"),
]


async def test_requests_beyond_the_log_are_refused_with_what_to_ask_instead(
    db_session: AsyncSession, stored_log: MemoryLog
) -> None:
    for call, message in _REFUSALS:
        with pytest.raises(MalformedError, match=message):
            await call(db_session)


def test_entry_pages_are_bounded_and_inside_the_log() -> None:
    check_entry_range(0, 1000, 5000)
    for start, end, message in [
        (-1, 3, "start must not be negative"),
        (3, 3, "must be above start"),
        (0, 11, "beyond the end of the log"),
        (0, 1001, "at most 1000 entries"),
    ]:
        with pytest.raises(MalformedError, match=message):
            check_entry_range(start, end, 10 if end == 11 else 5000)
