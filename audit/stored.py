"""The tree as "stored hashes": the hash of every complete subtree, in append order.

Follows Go's ``golang.org/x/mod/sumdb/tlog`` and Crosby and Wallach, "Efficient Data
Structures for Tamper-Evident Logging" §3.3: the hash of the ``n``-th complete subtree at level
``L`` (``2**L`` leaves) gets a dense index, written just after the leaf that completes it. A log
of ``n`` entries holds ``2n - popcount(n)`` hashes (under two per entry), and appending entry
``n`` writes ``1 + trailing_ones(n)`` of them.

All reads go through one small interface, :class:`HashReader`. Every operation also comes in
two halves, "which indexes do I need" and "compute from those hashes", so an asynchronous
store (PostgreSQL) awaits its own read between the halves and the algorithms stay pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, cast

from audit.errors import MalformedError, StoreError
from audit.merkle import EMPTY_ROOT, Hash, as_hash

__all__ = [
    "HashReader",
    "append_indexes",
    "fold_subtree",
    "hashes_to_store",
    "hashes_to_store_from",
    "read_checked",
    "split_stored_hash_index",
    "stored_hash_count",
    "stored_hash_index",
    "subtree_indexes",
    "tree_hash",
    "tree_hash_from_hashes",
    "tree_hash_indexes",
]

_sha256 = hashlib.sha256


class HashReader(Protocol):
    """Where stored hashes come from: memory in tests, PostgreSQL or tiles in the service."""

    def read_hashes(self, indexes: Sequence[int]) -> Sequence[Hash]:
        """Return the stored hashes at these indexes, in the same order.

        Must return exactly one hash per index or raise; may be faster when the indexes are
        sorted, as every caller here asks for them sorted.
        """
        ...


def read_checked(reader: HashReader, indexes: Sequence[int]) -> list[Hash]:
    """Read hashes and check the reader kept its contract (one 32-byte hash per index).

    Makes exactly one ``read_hashes`` call, none when ``indexes`` is empty.
    """
    if not indexes:
        return []
    hashes = reader.read_hashes(indexes)
    if len(hashes) != len(indexes):
        raise StoreError(f"read_hashes({len(indexes)} indexes) returned {len(hashes)} hashes")
    return [as_hash(h, "stored hash") for h in hashes]


def stored_hash_index(level: int, n: int) -> int:
    """Map the ``n``-th subtree at ``level`` to its position in stored-hash order.

    Level ``L``'s ``n``-th hash is stored right after level ``L-1``'s ``2n+1``-th, so the
    position is that of leaf ``m = (n+1)·2**L - 1`` plus ``L``; leaf ``m`` sits at
    ``2m - popcount(m)``. Cost: O(1).
    """
    if level < 0 or n < 0:
        raise MalformedError(f"no stored hash at level {level}, index {n}")
    m = ((n + 1) << level) - 1
    return 2 * m - m.bit_count() + level


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """Return ``(level, n)`` for a stored-hash index: the inverse of :func:`stored_hash_index`.

    Cost: O(log index) integer steps.
    """
    if index < 0:
        raise MalformedError(f"no stored hash at index {index}")
    # Leaf n is stored before index 2n, so the leaf that wrote this hash is at least index // 2.
    n = index // 2
    at = 2 * n - n.bit_count()
    while True:
        following = at + 1 + ((n + 1) & -(n + 1)).bit_length() - 1
        if following > index:
            break
        n += 1
        at = following
    level = index - at
    return level, n >> level


def stored_hash_count(size: int) -> int:
    """Return how many hashes a tree of ``size`` entries stores: ``2·size - popcount(size)``."""
    if size < 0:
        raise MalformedError(f"tree size must not be negative, got {size}")
    return 2 * size - size.bit_count()


def subtree_indexes(lo: int, hi: int) -> list[int]:
    """Stored indexes whose hashes, folded right to left, give the hash of leaves ``[lo, hi)``.

    ``lo`` must be a multiple of the largest power of two not above ``hi - lo``; the ranges a
    proof needs always are. One index per set bit of ``hi - lo``.
    """
    need: list[int] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        width = 1 << level
        if lo & (width - 1):
            raise MalformedError(f"leaves [{lo}, {hi}) do not start on a subtree boundary")
        need.append(stored_hash_index(level, lo >> level))
        lo += width
    return need


def fold_subtree(hashes: Sequence[Hash]) -> Hash:
    """Fold the hashes of :func:`subtree_indexes` into the subtree hash (right to left)."""
    sha = _sha256
    root: bytes = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = sha(b"\x01" + left + root).digest()
    return Hash(root)


def tree_hash_indexes(size: int) -> list[int]:
    """The stored indexes :func:`tree_hash_from_hashes` needs: at most ``log2(size) + 1``."""
    if size < 0:
        raise MalformedError(f"tree size must not be negative, got {size}")
    return subtree_indexes(0, size)


def tree_hash_from_hashes(size: int, hashes: Sequence[Hash]) -> Hash:
    """The root of a tree of ``size`` entries from the hashes at :func:`tree_hash_indexes`."""
    if size == 0:
        return EMPTY_ROOT
    if len(hashes) != size.bit_count():
        raise StoreError(f"a tree of {size} needs {size.bit_count()} hashes, got {len(hashes)}")
    return fold_subtree(hashes)


def tree_hash(size: int, reader: HashReader) -> Hash:
    """Return the root of the tree of the first ``size`` entries (RFC 6962 §2.1 ``MTH``).

    Makes one ``read_hashes`` call for at most ``log2(size) + 1`` hashes (none for size 0,
    whose root is ``SHA-256("")``).
    """
    return tree_hash_from_hashes(size, read_checked(reader, tree_hash_indexes(size)))


def append_indexes(start: int) -> list[int]:
    """The stored indexes :func:`hashes_to_store_from` needs to append after ``start`` entries.

    These are the roots of the complete subtrees covering ``[0, start)``: one per set bit.
    """
    return tree_hash_indexes(start)


def hashes_to_store_from(
    new_leaf_hashes: Sequence[Hash], start: int, edge: Sequence[Hash]
) -> list[tuple[int, Hash]]:
    """The ``(index, hash)`` rows to write when appending leaves after ``start`` entries.

    ``edge`` holds the hashes at :func:`append_indexes` (``start``). Rows come out sorted by
    index and contiguous from ``stored_hash_index(0, start)``: ``2·k`` rows for ``k`` new
    leaves on average, one node hash per row beyond the leaves.
    """
    if start < 0:
        raise MalformedError(f"tree size must not be negative, got {start}")
    if len(edge) != start.bit_count():
        raise StoreError(f"appending after {start} needs {start.bit_count()} hashes")
    sha = _sha256
    stack: list[bytes] = [as_hash(h, "stored hash") for h in edge]
    rows: list[tuple[int, Hash]] = []
    n = start
    index = 2 * n - n.bit_count()
    for leaf in new_leaf_hashes:
        node: bytes = as_hash(leaf, "leaf hash")
        rows.append((index, cast("Hash", node)))
        index += 1
        # Every trailing one bit of n completes a subtree with the hash to its left.
        completed = n
        while completed & 1:
            node = sha(b"\x01" + stack.pop() + node).digest()
            rows.append((index, cast("Hash", node)))
            index += 1
            completed >>= 1
        stack.append(node)
        n += 1
    return rows


def hashes_to_store(
    new_leaf_hashes: Sequence[Hash], start: int, reader: HashReader
) -> list[tuple[int, Hash]]:
    """The ``(index, hash)`` rows to insert when appending a batch after ``start`` entries.

    Reads only the right edge of the existing tree: one ``read_hashes`` call for
    ``popcount(start)`` hashes (none when ``start`` is 0). See :func:`hashes_to_store_from`.
    """
    return hashes_to_store_from(new_leaf_hashes, start, read_checked(reader, append_indexes(start)))
