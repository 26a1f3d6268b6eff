"""Merkle Tree Hashes as RFC 6962 §2.1 and RFC 9162 §2.1.1 define them.

The hash of an empty tree is ``SHA-256("")``; a leaf is ``SHA-256(0x00 || entry)``; an interior
node is ``SHA-256(0x01 || left || right)``; a tree of ``n > 1`` leaves splits at ``k``, the
largest power of two strictly below ``n``. Everything here works on leaf hashes held in memory;
:mod:`audit.stored` does the same from stored hashes behind a reader.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final, NewType, cast

from audit.encoding import b64decode_strict, b64encode
from audit.errors import MalformedError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "Hash",
    "as_hash",
    "format_hash",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "parse_hash",
    "root_from_leaf_hashes",
    "split_point",
]

HASH_SIZE: Final = 32
"""Bytes in a SHA-256 hash, the only hash RFC 6962 logs and C2SP tiles use."""

Hash = NewType("Hash", bytes)
"""A 32-byte SHA-256 hash of a leaf, an interior node or a tree root."""

_sha256 = hashlib.sha256

EMPTY_ROOT: Final = Hash(_sha256(b"").digest())
"""The Merkle Tree Hash of the empty tree, ``SHA-256("")`` (RFC 6962 §2.1)."""

_LARGEST_BLOCK: Final = 1 << 16
"""Leaves hashed level by level in one go by :class:`CompactRange` (bounds temporary memory)."""


def leaf_hash(entry: bytes) -> Hash:
    """Return ``SHA-256(0x00 || entry)``, the hash of one entry (RFC 6962 §2.1). Cost: 1 hash."""
    return Hash(_sha256(b"\x00" + entry).digest())


def leaf_hashes(entries: Iterable[bytes]) -> list[Hash]:
    """Return the leaf hash of every entry, in order (RFC 6962 §2.1).

    One list comprehension with no per-entry function call: about 0.4 µs per short entry.
    """
    sha = _sha256
    return cast("list[Hash]", [sha(b"\x00" + entry).digest() for entry in entries])


def node_hash(left: Hash, right: Hash) -> Hash:
    """Return ``SHA-256(0x01 || left || right)``, an interior node (RFC 6962 §2.1). Cost: 1 hash."""
    return Hash(_sha256(b"\x01" + left + right).digest())


def as_hash(data: bytes, what: str = "hash") -> Hash:
    """Return ``data`` as a :data:`Hash`, or raise :class:`MalformedError` unless it is 32 bytes.

    Every hash that comes from outside (a proof, a root, a stored row) passes through here, so
    a truncated or padded value is refused before it is compared with anything.
    """
    if len(data) != HASH_SIZE:
        raise MalformedError(f"{what} must be {HASH_SIZE} bytes, got {len(data)}")
    return Hash(bytes(data))


def parse_hash(text: str, what: str = "hash") -> Hash:
    """Decode a hash in canonical standard base64 (RFC 4648 §4), as checkpoints carry them."""
    return as_hash(b64decode_strict(text, what), what)


def format_hash(h: Hash) -> str:
    """Encode a hash in standard base64 (44 characters ending in ``=``)."""
    return b64encode(h)


def split_point(n: int) -> int:
    """Return ``k``, the largest power of two strictly below ``n`` (RFC 6962 §2.1, ``n >= 2``)."""
    if n < 2:
        raise MalformedError(f"a tree of {n} leaves does not split")
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_root(level: list[bytes]) -> bytes:
    """Root of a block of ``2**k`` leaf hashes, hashing one whole level per comprehension."""
    sha = _sha256
    while len(level) > 1:
        pairs = iter(level)
        level = [
            sha(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
    return level[0]


def root_from_leaf_hashes(hashes: Sequence[Hash]) -> Hash:
    """Return the Merkle Tree Hash of the leaves with these hashes (RFC 6962 §2.1 ``MTH``).

    Hashes level by level, carrying an odd last node up unchanged, which yields the same tree
    as splitting at the largest power of two. Cost: ``n - 1`` node hashes, about ``n`` hashes
    of temporary memory.
    """
    if not hashes:
        return EMPTY_ROOT
    sha = _sha256
    level: list[bytes] = list(hashes)
    while len(level) > 1:
        pairs = iter(level)
        upper = [
            sha(b"\x01" + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) & 1:
            upper.append(level[-1])
        level = upper
    return Hash(level[0])


class CompactRange:
    """The roots of the maximal complete subtrees covering leaves ``[0, size)``.

    This is the right edge of the tree: one hash per set bit of ``size``, largest subtree first.
    It is all that is needed to extend a tree and to compute its root, so a verifier can stream
    a log of any length and read off the root at every size it is asked about (RFC 9162 §2.1.1).
    """

    __slots__ = ("_hashes", "_widths", "size")

    def __init__(self) -> None:
        """Start with the empty tree."""
        self.size = 0
        self._hashes: list[bytes] = []
        self._widths: list[int] = []

    @property
    def hashes(self) -> tuple[Hash, ...]:
        """The subtree roots, leftmost (largest) first."""
        return cast("tuple[Hash, ...]", tuple(self._hashes))

    def extend(self, hashes: Sequence[Hash]) -> None:
        """Append leaves by their hashes.

        Hashes aligned power-of-two blocks (up to 65,536 leaves) a level at a time, then merges
        block roots like binary carries. Cost: ``len(hashes)`` node hashes, amortised.
        """
        start, count = 0, len(hashes)
        while start < count:
            width = 1 << ((count - start).bit_length() - 1)
            if self.size:
                width = min(width, self.size & -self.size)
            width = min(width, _LARGEST_BLOCK)
            self._push(_perfect_root(list(hashes[start : start + width])), width)
            start += width

    def _push(self, root: bytes, width: int) -> None:
        sha = _sha256
        self.size += width
        while self._widths and self._widths[-1] == width:
            root = sha(b"\x01" + self._hashes.pop() + root).digest()
            width += self._widths.pop()
        self._hashes.append(root)
        self._widths.append(width)

    def root(self) -> Hash:
        """The Merkle Tree Hash of the leaves so far. Cost: ``popcount(size) - 1`` node hashes."""
        if not self._hashes:
            return EMPTY_ROOT
        sha = _sha256
        root = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            root = sha(b"\x01" + left + root).digest()
        return Hash(root)
