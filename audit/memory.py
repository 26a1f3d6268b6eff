"""An in-memory log: entries and stored hashes in lists, for tests, benchmarks and tools.

It implements :class:`audit.stored.HashReader` and records every read, so tests can assert
*how* an algorithm reads (one call, at most so many hashes), as Go's ``sumdb/tlog`` tests do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from audit.errors import StoreError
from audit.merkle import Hash, leaf_hashes
from audit.stored import hashes_to_store, stored_hash_count

__all__ = ["MemoryLog"]


class MemoryLog:
    """A log held in memory: ``entries[i]`` and its stored hashes, dense from index 0."""

    def __init__(self) -> None:
        """Start empty."""
        self.entries: list[bytes] = []
        self.hashes: list[Hash] = []
        self.reads: list[tuple[int, ...]] = []
        """The indexes of every ``read_hashes`` call, in call order."""

    @property
    def size(self) -> int:
        """Entries appended so far."""
        return len(self.entries)

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        """Return the stored hashes at ``indexes`` and record the call. Cost: O(len(indexes))."""
        self.reads.append(tuple(indexes))
        stored = self.hashes
        try:
            if any(i < 0 for i in indexes):
                raise IndexError
            return [stored[i] for i in indexes]
        except IndexError:
            raise StoreError(f"no stored hash among {list(indexes)[:8]}…") from None

    def append(self, entries: Iterable[bytes]) -> int:
        """Append entries and their stored hashes; return the index of the first one.

        Uses :func:`audit.stored.hashes_to_store`, the function a database store uses, so
        this log is built exactly as the service builds its own. Cost: about two hashes per
        entry and one read of ``popcount(size)`` hashes.
        """
        batch = list(entries)
        start = self.size
        rows = hashes_to_store(leaf_hashes(batch), start, self)
        if rows and rows[0][0] != len(self.hashes):
            raise StoreError("stored hashes are out of step with the entries")
        self.hashes.extend(h for _, h in rows)
        self.entries.extend(batch)
        if len(self.hashes) != stored_hash_count(self.size):
            raise StoreError("stored hash count does not match the number of entries")
        return start
