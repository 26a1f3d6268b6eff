"""Tiles: the tree served as fixed blocks of stored hashes (C2SP ``tlog-tiles``, Go ``tlog``).

A tile of height ``H`` at level ``L`` holds up to ``2**H`` consecutive stored hashes of tree
level ``L·H``: tile ``N`` covers subtrees ``N·2**H`` to ``N·2**H + W - 1``. A tile with fewer
than ``2**H`` hashes (width ``W``) is partial. Level ``-1`` names the entries themselves
("data" in Go, "entries" in C2SP, where they are served as entry bundles).

Two path forms exist: Go's ``tile/H/L/N[.p/W]`` (height in the path) and C2SP's
``tile/L/N[.p/W]`` with ``H = 8`` fixed (§"Merkle Tree") and ``tile/entries/N[.p/W]``
(§"Log entries"). ``N`` is written in 3-digit groups, all but the last prefixed ``x``:
1234067 is ``x001/x234/067``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from audit.errors import MalformedError
from audit.merkle import HASH_SIZE, Hash
from audit.stored import (
    HashReader,
    read_checked,
    split_stored_hash_index,
    stored_hash_index,
)

__all__ = [
    "C2SP_TILE_HEIGHT",
    "Tile",
    "entry_bundle_entries",
    "entry_bundle_from_entries",
    "hash_from_tile",
    "new_tiles",
    "parse_c2sp_tile_path",
    "parse_tile_path",
    "read_tile_data",
    "tile_data_from_hashes",
    "tile_for_index",
    "tile_hash_indexes",
]

C2SP_TILE_HEIGHT: Final = 8
"""C2SP tiles are 256 hashes (8,192 bytes) wide."""

_MAX_ENTRY: Final = 0xFFFF


@dataclass(frozen=True)
class Tile:
    """Tile ``index`` at ``level`` (``-1`` for entries) of height ``height``, ``width`` wide."""

    height: int
    level: int
    index: int
    width: int

    def __post_init__(self) -> None:
        """Refuse coordinates no path can name."""
        if not 1 <= self.height <= 30 or not -1 <= self.level <= 63 or self.index < 0:
            raise MalformedError(f"invalid tile {self!r}")
        if not 1 <= self.width <= 1 << self.height:
            raise MalformedError(f"tile width {self.width} outside 1..{1 << self.height}")

    @property
    def is_partial(self) -> bool:
        """Whether the tile holds fewer than ``2**height`` hashes."""
        return self.width < 1 << self.height

    @property
    def entry_range(self) -> tuple[int, int]:
        """The entries ``[start, end)`` its hashes cover (C2SP "start index"/"end index")."""
        span = 1 << (self.height * (max(self.level, 0) + 1))
        per_hash = span >> self.height
        start = self.index * span
        return start, start + self.width * per_hash

    def path(self) -> str:
        """Go's path ``tile/H/L/N[.p/W]`` (``data`` for the entries level)."""
        level = "data" if self.level == -1 else str(self.level)
        return f"tile/{self.height}/{level}/{_index_path(self.index)}{self._partial()}"

    def c2sp_path(self) -> str:
        """C2SP's path ``tile/L/N[.p/W]`` or ``tile/entries/N[.p/W]`` (height 8 only)."""
        if self.height != C2SP_TILE_HEIGHT:
            raise MalformedError(f"C2SP tiles have height 8, not {self.height}")
        level = "entries" if self.level == -1 else str(self.level)
        return f"tile/{level}/{_index_path(self.index)}{self._partial()}"

    def _partial(self) -> str:
        return f".p/{self.width}" if self.is_partial else ""


def _index_path(n: int) -> str:
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n > 0:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def _small_decimal(text: str, what: str, path: str) -> int:
    if not text.isascii() or not text.isdigit() or (text[0] == "0" and text != "0"):
        raise MalformedError(f"bad {what} in tile path {path!r}")
    return int(text)


def _parse_index_and_width(parts: list[str], height: int, path: str) -> tuple[int, int]:
    width = 1 << height
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        width = _small_decimal(parts[-1], "width", path)
        if not 0 < width < 1 << height:
            raise MalformedError(f"partial width out of range in tile path {path!r}")
        parts = [*parts[:-2], parts[-2][: -len(".p")]]
    if not parts:
        raise MalformedError(f"tile path {path!r} has no index")
    index = 0
    for position, part in enumerate(parts):
        digits = part[1:] if position < len(parts) - 1 and part.startswith("x") else part
        if len(digits) != 3 or not digits.isascii() or not digits.isdigit():
            raise MalformedError(f"bad index element {part!r} in tile path {path!r}")
        index = index * 1000 + int(digits)
    return index, width


def parse_tile_path(path: str) -> Tile:
    """Parse Go's ``tile/H/L/N[.p/W]``; the path must be exactly how the tile writes itself."""
    parts = path.split("/")
    if len(parts) < 4 or parts[0] != "tile":
        raise MalformedError(f"not a tile path: {path!r}")
    height = _small_decimal(parts[1], "height", path)
    if not 1 <= height <= 30:
        raise MalformedError(f"tile height out of range in {path!r}")
    level = -1 if parts[2] == "data" else _small_decimal(parts[2], "level", path)
    index, width = _parse_index_and_width(parts[3:], height, path)
    tile = Tile(height, level, index, width)
    if tile.path() != path:
        raise MalformedError(f"non-canonical tile path {path!r}")
    return tile


def parse_c2sp_tile_path(path: str) -> Tile:
    """Parse C2SP's ``tile/L/N[.p/W]`` or ``tile/entries/N[.p/W]`` (tlog-tiles §"APIs")."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise MalformedError(f"not a tile path: {path!r}")
    level = -1 if parts[1] == "entries" else _small_decimal(parts[1], "level", path)
    index, width = _parse_index_and_width(parts[2:], C2SP_TILE_HEIGHT, path)
    tile = Tile(C2SP_TILE_HEIGHT, level, index, width)
    if tile.c2sp_path() != path:
        raise MalformedError(f"non-canonical tile path {path!r}")
    return tile


def tile_for_index(height: int, stored_index: int) -> Tile:
    """The smallest tile of ``height`` that holds the hash at ``stored_index``.

    The tile's width runs up to and including that hash, so a partial tile is named when
    the hash is not the last of its tile. Cost: O(log index).
    """
    tile, _, _ = _tile_for_index(height, stored_index)
    return tile


def _tile_for_index(height: int, stored_index: int) -> tuple[Tile, int, int]:
    level, n = split_stored_hash_index(stored_index)
    tile_level = level // height
    within = level - tile_level * height  # levels inside the tile above its base level
    tile_index = (n << within) >> height
    n -= (tile_index << height) >> within  # the subtree's position within the tile
    width = (n + 1) << within
    tile = Tile(height, tile_level, tile_index, width)
    return tile, (n << within) * HASH_SIZE, ((n + 1) << within) * HASH_SIZE


def _tile_hash(data: bytes) -> bytes:
    count = len(data) // HASH_SIZE
    if count == 1:
        return data
    half = 1 << ((count - 1).bit_length() - 1)
    left, right = _tile_hash(data[: half * HASH_SIZE]), _tile_hash(data[half * HASH_SIZE :])
    return hashlib.sha256(b"\x01" + left + right).digest()


def hash_from_tile(tile: Tile, data: bytes, stored_index: int) -> Hash:
    """Return the stored hash at ``stored_index`` computed from the tile's bytes.

    Hashes inside a tile above its base level are not stored in it but recomputed from the
    base hashes. Cost: up to ``2**height`` node hashes.
    """
    if tile.level < 0:
        raise MalformedError("entry bundles hold entries, not hashes")
    if len(data) < tile.width * HASH_SIZE:
        raise MalformedError(f"{len(data)} bytes is too short for tile {tile.path()}")
    home, start, end = _tile_for_index(tile.height, stored_index)
    if (home.level, home.index) != (tile.level, tile.index) or tile.width < home.width:
        raise MalformedError(f"stored hash {stored_index} is in {home.path()}, not {tile.path()}")
    return Hash(_tile_hash(data[start:end]))


def new_tiles(height: int, old_size: int, new_size: int) -> list[Tile]:
    """The tiles that change when the tree grows from ``old_size`` to ``new_size`` entries.

    For each level: every full tile completed by the growth and the new partial tile, if any
    (C2SP tlog-tiles §"Partial Tiles"). Entry bundles follow level 0 and are not listed.
    """
    if height < 1 or old_size < 0 or new_size < old_size:
        raise MalformedError(f"no tiles of height {height} from {old_size} to {new_size}")
    tiles: list[Tile] = []
    level = 0
    while new_size >> (height * level) > 0:
        old_n = old_size >> (height * level)
        new_n = new_size >> (height * level)
        if old_n != new_n:
            for n in range(old_n >> height, new_n >> height):
                tiles.append(Tile(height, level, n, 1 << height))
            n = new_n >> height
            width = new_n - (n << height)
            if width > 0:
                tiles.append(Tile(height, level, n, width))
        level += 1
    return tiles


def tile_hash_indexes(tile: Tile) -> list[int]:
    """The stored indexes whose hashes make up the tile's bytes, in order."""
    if tile.level < 0:
        raise MalformedError("entry bundles hold entries, not hashes")
    start = tile.index << tile.height
    level = tile.height * tile.level
    return [stored_hash_index(level, start + i) for i in range(tile.width)]


def tile_data_from_hashes(tile: Tile, hashes: Sequence[Hash]) -> bytes:
    """The tile's bytes from the hashes at :func:`tile_hash_indexes`: ``32·width`` bytes."""
    if len(hashes) != tile.width:
        raise MalformedError(f"tile {tile.path()} needs {tile.width} hashes, got {len(hashes)}")
    return b"".join(hashes)


def read_tile_data(tile: Tile, reader: HashReader) -> bytes:
    """Read the tile's bytes from stored hashes: one ``read_hashes`` call for ``width`` hashes.

    The tile must be covered by the tree (a caller checks the tree size first).
    """
    return tile_data_from_hashes(tile, read_checked(reader, tile_hash_indexes(tile)))


def entry_bundle_from_entries(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes (§"Log entries")."""
    parts: list[bytes] = []
    for position, entry in enumerate(entries):
        if len(entry) > _MAX_ENTRY:
            raise MalformedError(f"entry {position} is {len(entry)} bytes, over 65,535")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(entry)
    return b"".join(parts)


def entry_bundle_entries(bundle: bytes) -> list[bytes]:
    """Split an entry bundle back into its entries; refuse a truncated one."""
    entries: list[bytes] = []
    at = 0
    while at < len(bundle):
        if at + 2 > len(bundle):
            raise MalformedError("entry bundle ends inside a length prefix")
        length = int.from_bytes(bundle[at : at + 2], "big")
        at += 2
        if at + length > len(bundle):
            raise MalformedError("entry bundle ends inside an entry")
        entries.append(bundle[at : at + length])
        at += length
    return entries
