"""A log exported as C2SP tiles reads back entry for entry and hash for hash."""

from __future__ import annotations

import pytest

from audit.checkpoint import Checkpoint, sign_checkpoint
from audit.errors import MalformedError
from audit.memory import MemoryLog
from audit.merkle import leaf_hashes
from audit.note import generate_signer_key, parse_signer_key
from audit.proofs import prove_consistency, prove_inclusion
from audit.stored import tree_hash
from audit.tile import entry_bundle_entries, entry_bundle_from_entries
from audit.tiled import TileHashReader, read_entries, tile_covering, tiled_log_files
from audit.verify import verify_log

SIZE = 3000  # 11 full level-0 tiles and one of width 184; a level-1 tile of width 11
ENTRIES = [f'{{"n":{i}}}'.encode() for i in range(SIZE)]
LOG = MemoryLog()
LOG.append(ENTRIES)
FILES = dict(tiled_log_files(SIZE, ENTRIES, LOG))


def test_export_has_the_c2sp_tiles_of_the_tree():
    assert "tile/0/011.p/184" in FILES
    assert "tile/entries/011.p/184" in FILES
    assert "tile/1/000.p/11" in FILES
    assert "tile/0/010" in FILES
    assert len(FILES["tile/0/010"]) == 8192
    assert sum(1 for p in FILES if p.startswith("tile/entries/")) == 12


def test_entries_read_back_from_bundles():
    assert read_entries(SIZE, FILES.__getitem__) == ENTRIES


def test_tree_hash_and_proofs_from_tiles_match_the_store():
    tiles = TileHashReader(SIZE, FILES.__getitem__)
    assert tree_hash(SIZE, tiles) == tree_hash(SIZE, LOG)
    for index in (0, 255, 256, 2047, 2999):
        assert prove_inclusion(SIZE, index, tiles) == prove_inclusion(SIZE, index, LOG)
    assert prove_consistency(1000, SIZE, tiles) == prove_consistency(1000, SIZE, LOG)


def test_each_tile_is_fetched_once():
    fetched: list[str] = []

    def fetch(path: str) -> bytes:
        fetched.append(path)
        return FILES[path]

    tiles = TileHashReader(SIZE, fetch)
    tree_hash(SIZE, tiles)
    tree_hash(SIZE, tiles)
    assert len(fetched) == len(set(fetched))


def test_tampered_bundle_entry_is_named_through_the_tiles():
    signer = parse_signer_key(generate_signer_key("plenary.example/log")[0])
    note = sign_checkpoint(Checkpoint("plenary.example/log", SIZE, tree_hash(SIZE, LOG)), signer)
    files = dict(FILES)
    bundle = entry_bundle_entries(files["tile/entries/005"])
    bundle[17] = b'{"n":"changed"}'
    files["tile/entries/005"] = entry_bundle_from_entries(bundle)
    entries = read_entries(SIZE, files.__getitem__)
    verdict = verify_log(
        leaf_hashes(entries),
        note,
        signer.verifier(),
        claimed_hashes=TileHashReader(SIZE, files.__getitem__),
    )
    assert verdict.first_bad_index == 5 * 256 + 17


def test_short_bundle_and_wrong_sized_tile_are_refused():
    files = dict(FILES)
    files["tile/entries/003"] = entry_bundle_from_entries(ENTRIES[768:1000])
    with pytest.raises(MalformedError, match="expected 256"):
        read_entries(SIZE, files.__getitem__)
    files["tile/0/000"] = FILES["tile/0/000"][:-1]
    with pytest.raises(MalformedError, match="bytes, expected"):
        TileHashReader(SIZE, files.__getitem__).read_hashes([0])


def test_hashes_beyond_the_tree_and_tiles_beyond_it_are_refused():
    with pytest.raises(MalformedError):
        TileHashReader(10, FILES.__getitem__).read_hashes([100])
    with pytest.raises(MalformedError):
        tile_covering(256, 0, 1)
