"""Roots, proofs, tiles and entry bundles served from the PostgreSQL log.

Each function checks its arguments against the committed size first, so a request for
something the log does not (yet) hold is refused with :class:`audit.errors.MalformedError`
and a message a person can act on; then it makes one read of stored hashes or entries and
hands them to the pure halves in ``audit.proofs``, ``audit.stored`` and ``audit.tile``.
Committed stored hashes never change, so no lock is taken and readers never wait for appends.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from audit.errors import MalformedError
from audit.merkle import Hash
from audit.proofs import (
    consistency_proof_from_hashes,
    consistency_proof_indexes,
    inclusion_proof_from_hashes,
    inclusion_proof_indexes,
)
from audit.store import log_size, read_entries, read_hashes
from audit.stored import stored_hash_index, tree_hash_from_hashes, tree_hash_indexes
from audit.tile import Tile, entry_bundle_from_entries, tile_data_from_hashes, tile_hash_indexes

__all__ = [
    "MAX_ENTRIES_PAGE",
    "BeyondLogError",
    "check_entry_range",
    "consistency_proof",
    "entry_with_leaf_hash",
    "inclusion_proof",
    "read_tile",
    "tree_root",
]

MAX_ENTRIES_PAGE = 1000
"""The most entries one ``read_entries`` page may ask for."""


class BeyondLogError(MalformedError):
    """A size, index or tile the log has not reached (yet): ask again later, or for less."""


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


async def _committed(session: AsyncSession, size: int, what: str) -> int:
    committed = await log_size(session)
    if size > committed:
        raise BeyondLogError(
            f"{what} {size} is beyond the end of the log, which has {_entries(committed)}"
        )
    return committed


async def tree_root(session: AsyncSession, size: int) -> Hash:
    """The root of the first ``size`` committed entries (RFC 6962 §2.1 ``MTH``).

    Cost: one read of ``popcount(size)`` stored hashes and as many node hashes.
    """
    if size < 0:
        raise MalformedError(f"size must not be negative, got {size}")
    await _committed(session, size, "size")
    hashes = await read_hashes(session, tree_hash_indexes(size))
    return tree_hash_from_hashes(size, hashes)


async def inclusion_proof(session: AsyncSession, index: int, size: int) -> list[Hash]:
    """The proof that entry ``index`` is in the tree of ``size`` entries (RFC 6962 §2.1.1).

    Cost: one read of at most ``2·log2(size)`` stored hashes (about 1 ms at 1,000,000).
    """
    if size < 1:
        raise MalformedError(f"size must be at least 1, got {size}")
    if not 0 <= index < size:
        raise MalformedError(f"index must be from 0 to {size - 1} (below size), got {index}")
    await _committed(session, size, "size")
    hashes = await read_hashes(session, inclusion_proof_indexes(size, index))
    return inclusion_proof_from_hashes(size, index, hashes)


async def consistency_proof(session: AsyncSession, old_size: int, new_size: int) -> list[Hash]:
    """The proof that the tree of ``old_size`` is a prefix of ``new_size``'s (RFC 6962 §2.1.2).

    Cost: one read of at most ``2·log2(new_size)`` stored hashes.
    """
    if old_size < 1:
        raise MalformedError("from must be at least 1 (nothing to prove from the empty tree)")
    if new_size < old_size:
        raise MalformedError(f"to ({new_size}) must not be below from ({old_size})")
    await _committed(session, new_size, "to")
    hashes = await read_hashes(session, consistency_proof_indexes(old_size, new_size))
    return consistency_proof_from_hashes(old_size, new_size, hashes)


async def entry_with_leaf_hash(session: AsyncSession, index: int) -> tuple[bytes, Hash]:
    """Entry ``index``'s bytes and its stored leaf hash. Cost: two primary-key reads."""
    if index < 0:
        raise MalformedError(f"index must not be negative, got {index}")
    await _committed(session, index + 1, "entry count")
    rows = await read_entries(session, index, index + 1)
    [leaf] = await read_hashes(session, [stored_hash_index(0, index)])
    return rows[0][1], leaf


def check_entry_range(start: int, end: int, committed: int) -> None:
    """Refuse an entries page outside ``[0, committed)`` or longer than the page limit."""
    if start < 0:
        raise MalformedError(f"start must not be negative, got {start}")
    if end <= start:
        raise MalformedError(f"end ({end}) must be above start ({start})")
    if end > committed:
        raise BeyondLogError(f"end {end} is beyond the end of the log ({_entries(committed)})")
    if end - start > MAX_ENTRIES_PAGE:
        raise MalformedError(
            f"ask for at most {MAX_ENTRIES_PAGE} entries at a time "
            f"(for example start={start}&end={start + MAX_ENTRIES_PAGE})"
        )


async def read_tile(session: AsyncSession, tile: Tile) -> bytes:
    """The bytes of a hash tile, or of an entry bundle for level ``-1`` (C2SP tlog-tiles).

    A tile is served at the width asked for if the log has grown that far, so a tile's bytes
    never change once served. Cost: one read of ``width`` stored hashes (up to 256), or of
    ``width`` entries for a bundle.
    """
    start, end = tile.entry_range
    committed = await log_size(session)
    if end > committed:
        full = "" if tile.is_partial else " (the full tile)"
        raise BeyondLogError(
            f"{tile.c2sp_path()}{full} needs {_entries(end)}; the log has {_entries(committed)}"
        )
    if tile.level < 0:
        rows = await read_entries(session, start, end)
        return entry_bundle_from_entries([data for _, data in rows])
    hashes = await read_hashes(session, tile_hash_indexes(tile))
    return tile_data_from_hashes(tile, hashes)
