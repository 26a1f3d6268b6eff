"""A log as C2SP static tiles (``c2sp.org/tlog-tiles``): export it, and read it back.

The same layout serves three uses: the HTTP endpoints under ``/api/v1/audit/tile/``, a
directory an auditor downloads (``checkpoint``, ``tile/<L>/<N>``, ``tile/entries/<N>``), and
the verifier reading either. Reading goes through a ``fetch(path) -> bytes`` callable, so this
module does no I/O of its own: the CLI passes a function that opens files or calls ``GET``.

Tiles are untrusted when read: :class:`TileHashReader` hands their hashes to
:func:`audit.verify.locate_first_mismatch`, which authenticates them against a signed root.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from audit.errors import AuditError, MalformedError
from audit.merkle import HASH_SIZE, Hash, leaf_hashes
from audit.stored import HashReader, split_stored_hash_index
from audit.tile import (
    C2SP_TILE_HEIGHT,
    Tile,
    entry_bundle_entries,
    entry_bundle_from_entries,
    hash_from_tile,
    new_tiles,
    read_tile_data,
    tile_for_index,
)

__all__ = [
    "Fetch",
    "TileHashReader",
    "check_bundle_width",
    "read_entries",
    "tile_covering",
    "tiled_log_files",
]

Fetch = Callable[[str], bytes]
"""Returns the bytes at a tile path such as ``tile/0/x001/234.p/5``, or raises."""

_H = C2SP_TILE_HEIGHT


def tile_covering(size: int, level: int, index: int) -> Tile:
    """The tile at ``level`` (``-1`` for entries) and ``index`` as a tree of ``size`` serves it.

    Full when the tree covers all 256 positions, else the partial tile of the width the tree
    reaches (tlog-tiles §"Partial Tiles"). Raises if the tree does not reach the tile at all.
    """
    hashes_at_level = size >> (_H * max(level, 0))
    width = min(1 << _H, hashes_at_level - (index << _H))
    if width <= 0:
        raise MalformedError(f"a tree of {size} entries has no tile {index} at level {level}")
    return Tile(_H, level, index, width)


def tiled_log_files(
    size: int, entries: Sequence[bytes], reader: HashReader
) -> Iterator[tuple[str, bytes]]:
    """Yield ``(C2SP path, bytes)`` for every tile and entry bundle of a tree of ``size``.

    ``entries`` holds at least the first ``size`` entries; ``reader`` serves their stored
    hashes. Full tiles, plus the partial tiles of this exact size. Cost: one ``read_hashes``
    call per tile, about ``size / 255`` calls in all.
    """
    if len(entries) < size:
        raise MalformedError(f"{len(entries)} entries given for a tree of {size}")
    for tile in new_tiles(_H, 0, size):
        yield tile.c2sp_path(), read_tile_data(tile, reader)
        if tile.level == 0:
            bundle = Tile(_H, -1, tile.index, tile.width)
            start, end = bundle.entry_range
            yield bundle.c2sp_path(), entry_bundle_from_entries(entries[start:end])


def _missing_entry(size: int, fetch: Fetch, tile: Tile, bundle: Sequence[bytes]) -> str:
    """Name the entry a short entry bundle lost, by comparing with the level-0 hash tile.

    The level-0 tile holds every entry's leaf hash at the same positions; the first position
    where the bundle's entry does not hash to it is the deleted one. Without that tile the
    message says where the gap can be.
    """
    start, _ = tile.entry_range
    where = f"{tile.c2sp_path()} holds {len(bundle)} entries, expected {tile.width}"
    try:
        data = fetch(tile_covering(size, 0, tile.index).c2sp_path())
    except AuditError:
        return f"an entry at or before index {start + len(bundle)} is missing: {where}"
    recorded = [data[i : i + 32] for i in range(0, len(data), 32)]
    for position, leaf in enumerate(leaf_hashes(bundle)):
        if position >= len(recorded) or leaf != recorded[position]:
            return f"entry {start + position} is missing from the log: {where}"
    return f"entry {start + len(bundle)} is missing from the log: {where}"


def check_bundle_width(size: int, fetch: Fetch, tile: Tile, bundle: Sequence[bytes]) -> None:
    """Refuse an entry bundle that holds other than its width, naming a deleted entry."""
    if len(bundle) < tile.width:
        raise MalformedError(_missing_entry(size, fetch, tile, bundle))
    if len(bundle) != tile.width:
        raise MalformedError(
            f"{tile.c2sp_path()} holds {len(bundle)} entries, expected {tile.width}"
        )


def read_entries(size: int, fetch: Fetch) -> list[bytes]:
    """Read the first ``size`` entries from their entry bundles (tlog-tiles §"Log entries").

    Refuses a bundle holding a number of entries other than its width. Cost: one fetch per
    256 entries.
    """
    entries: list[bytes] = []
    for index in range((size + (1 << _H) - 1) >> _H):
        tile = tile_covering(size, -1, index)
        bundle = entry_bundle_entries(fetch(tile.c2sp_path()))
        check_bundle_width(size, fetch, tile, bundle)
        entries.extend(bundle)
    return entries


class TileHashReader:
    """A :class:`HashReader` over the tiles of a tree of ``size`` entries, fetched on demand.

    Each tile is fetched once and kept. The hashes are whatever the tiles say: authenticate
    them (as :func:`audit.verify.locate_first_mismatch` does) before trusting them.
    """

    def __init__(self, size: int, fetch: Fetch) -> None:
        """Read tiles of the tree of ``size`` entries through ``fetch``."""
        self.size = size
        self._fetch = fetch
        self._tiles: dict[Tile, bytes] = {}

    def read_hashes(self, indexes: Sequence[int]) -> list[Hash]:
        """Return the stored hashes at ``indexes``, from the tiles that hold them.

        Only hashes of complete subtrees inside the tree exist. Cost: one fetch per tile not
        yet held, up to 255 node hashes per hash read from inside a tile.
        """
        hashes: list[Hash] = []
        for index in indexes:
            level, n = split_stored_hash_index(index)
            if (n + 1) << level > self.size:
                raise MalformedError(f"stored hash {index} is not in a tree of {self.size}")
            home = tile_for_index(_H, index)
            tile = tile_covering(self.size, home.level, home.index)
            data = self._tiles.get(tile)
            if data is None:
                data = self._fetch(tile.c2sp_path())
                expected = tile.width * HASH_SIZE
                if len(data) != expected:
                    raise MalformedError(
                        f"{tile.c2sp_path()} is {len(data)} bytes, expected {expected}"
                    )
                self._tiles[tile] = data
            hashes.append(hash_from_tile(tile, data, index))
        return hashes
