"""Tile coordinates and paths match Go's sumdb/tlog tables and the C2SP tlog-tiles examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from audit.errors import MalformedError
from audit.tile import Tile, new_tiles, parse_c2sp_tile_path, parse_tile_path

pytestmark = pytest.mark.conformance


def _tiles(refdata: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (refdata / "checkpoint_cosignature_tiles.json").read_text(encoding="utf-8")
    )
    return data["tile_paths"]  # type: ignore[no-any-return]


def test_go_tile_paths_parse_and_print_back(tlog_refdata):
    for case in _tiles(tlog_refdata)["go_tile_paths"]:
        if case.get("invalid"):
            with pytest.raises(MalformedError):
                parse_tile_path(case["path"])
            continue
        tile = parse_tile_path(case["path"])
        assert (tile.height, tile.level, tile.index, tile.width) == (
            case["H"],
            case["L"],
            case["N"],
            case["W"],
        )
        assert tile.path() == case["path"]


def test_c2sp_index_encoding_example(tlog_refdata):
    example = _tiles(tlog_refdata)["c2sp_index_encoding"]
    tile = Tile(8, 0, example["N"], 256)
    assert tile.c2sp_path() == "tile/0/" + example["path_elements"]
    assert parse_c2sp_tile_path("tile/0/" + example["path_elements"]) == tile
    assert (
        Tile(8, -1, example["N"], 5).c2sp_path() == f"tile/entries/{example['path_elements']}.p/5"
    )


def _describe(tiles: list[Tile]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for tile in tiles:
        if tile.is_partial:
            summary[f"level{tile.level}_partial_width"] = tile.width
        else:
            summary[f"level{tile.level}_full"] = summary.get(f"level{tile.level}_full", 0) + 1
    return summary


def test_c2sp_tree_of_70000_and_256_entries_have_the_published_tiles(tlog_refdata):
    data = _tiles(tlog_refdata)
    for key in ("c2sp_tree_70000", "c2sp_tree_256"):
        expected = {k: v for k, v in data[key].items() if k != "tree_size"}
        assert _describe(new_tiles(8, 0, data[key]["tree_size"])) == expected, key


def test_go_new_tiles_counts(tlog_refdata):
    for old, new, count in _tiles(tlog_refdata)["go_newtiles_counts_height10"]["cases"]:
        assert len(new_tiles(10, old, new)) == count, (old, new)


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x001/234.p/5",
        "tile/entries/000",
        "tile/entries/x001/x234/067.p/255",
        "tile/3/x123/x456/078",
    ],
)
def test_c2sp_paths_round_trip(path):
    assert parse_c2sp_tile_path(path).c2sp_path() == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/05",
        "tile/00/001",
        "tile/-1/001",
        "tile/0/x000/001",
        "tile/0/x001",
        "tile/data/001",
        "tiles/0/001",
        "tile/0/",
    ],
)
def test_c2sp_malformed_paths_are_refused(path):
    with pytest.raises(MalformedError):
        parse_c2sp_tile_path(path)


def test_go_form_with_height_8_names_the_brief_example():
    tile = parse_tile_path("tile/8/0/x001/234.p/5")
    assert tile == Tile(8, 0, 1234, 5)
    assert tile.c2sp_path() == "tile/0/x001/234.p/5"
