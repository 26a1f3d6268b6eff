"""Tiles served from stored hashes give back every stored hash, and bundles give the entries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.errors import MalformedError
from audit.memory import MemoryLog
from audit.merkle import leaf_hashes
from audit.stored import stored_hash_count, stored_hash_index
from audit.tile import (
    Tile,
    entry_bundle_entries,
    entry_bundle_from_entries,
    hash_from_tile,
    new_tiles,
    read_tile_data,
    tile_for_index,
)

ENTRIES = [f"entry {i}".encode() for i in range(300)]
LOG = MemoryLog()
LOG.append(ENTRIES)


@given(
    st.sampled_from([1, 2, 3, 8]), st.integers(min_value=0, max_value=stored_hash_count(300) - 1)
)
def test_every_stored_hash_comes_back_from_its_tile(height, index):
    tile = tile_for_index(height, index)
    data = read_tile_data(tile, LOG)
    assert len(data) == 32 * tile.width
    assert hash_from_tile(tile, data, index) == LOG.hashes[index]


def test_tiles_of_a_tree_cover_its_stored_hashes_once_per_level():
    tiles = new_tiles(2, 0, 300)
    level0 = [t for t in tiles if t.level == 0]
    assert sum(t.width for t in level0) == 300
    for tile in tiles:
        data = read_tile_data(tile, LOG)
        first = stored_hash_index(2 * tile.level, tile.index << 2)
        assert data[:32] == LOG.hashes[first]


def test_reading_a_tile_is_one_call_of_width_hashes():
    LOG.reads.clear()
    read_tile_data(Tile(8, 0, 1, 44), LOG)
    assert [len(r) for r in LOG.reads] == [44]


def test_a_hash_outside_the_tile_is_refused():
    tile = Tile(2, 0, 0, 4)
    with pytest.raises(MalformedError, match="is in"):
        hash_from_tile(tile, read_tile_data(tile, LOG), stored_hash_index(0, 4))


def test_entry_bundle_round_trips_and_matches_the_level_zero_tile():
    tile = Tile(8, -1, 1, 44)
    start, end = tile.entry_range
    assert (start, end) == (256, 300)
    bundle = entry_bundle_from_entries(ENTRIES[start:end])
    entries = entry_bundle_entries(bundle)
    assert entries == ENTRIES[start:end]
    level0 = read_tile_data(Tile(8, 0, 1, 44), LOG)
    assert b"".join(leaf_hashes(entries)) == level0


def test_entry_bundle_refuses_oversized_and_truncated_data():
    with pytest.raises(MalformedError):
        entry_bundle_from_entries([bytes(70_000)])
    with pytest.raises(MalformedError):
        entry_bundle_entries(b"\x00\x05abc")
    with pytest.raises(MalformedError):
        entry_bundle_entries(b"\x00")
    assert entry_bundle_entries(b"\x00\x00") == [b""]
