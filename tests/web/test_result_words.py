"""Results say what happened in plain words, inside the drawing: a candidate defeated because
every seat was filled is "not elected", never "excluded" (on the page and on the CLI's sheet),
and the chart's labels stay within its picture."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

from service.web.chart import _spread, stage_chart_svg, stage_table
from service.web.i18n import translator
from tally.report import result_sheet
from tally.transcript import transcript_from_dict

GOLDEN = Path(__file__).resolve().parents[1] / "tally" / "golden"


def _transcript(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return doc


def test_a_candidate_defeated_because_every_seat_is_filled_is_not_elected_not_excluded() -> None:
    table = stage_table(_transcript("scottish-surplus"))
    marks = {row.label: row.marks for row in table.rows}
    assert marks["Cat"][-1] == "not elected"
    assert marks["Dan"][-1] == "not elected"
    assert "excluded" not in marks["Cat"]


def test_a_candidate_excluded_for_lowest_votes_is_still_excluded() -> None:
    table = stage_table(_transcript("meek-exclusion"))
    assert any("excluded" in row.marks for row in table.rows)


def test_the_result_sheet_agrees_with_its_own_narrative() -> None:
    sheet = result_sheet(transcript_from_dict(_transcript("scottish-surplus")))
    assert "Cat: not elected: every seat is filled" in sheet
    assert "excluded at stage" not in sheet
    assert re.search(r"^Cat .* not elected at stage 2$", sheet, re.MULTILINE)


def test_labels_are_kept_apart_and_inside_the_plot() -> None:
    # Six names whose lines end near the bottom and one at the very top.
    placed = _spread([(0, 0), *((i, 200) for i in range(1, 7))], 18, 28, 216)
    assert min(placed.values()) >= 28
    assert max(placed.values()) <= 216
    ys = sorted(placed.values())
    assert all(b - a >= 18 for a, b in pairwise(ys))


def test_every_chart_label_is_inside_the_drawing() -> None:
    transcript = _transcript("scottish-surplus")
    transcript["candidates"] = ["Annabel Featherstonehaugh-Smith", "Bob", "Cat", "Dan"]
    for stage in transcript["stages"]:
        votes = stage["votes"]
        votes["Annabel Featherstonehaugh-Smith"] = votes.pop("Ann")
    transcript["elected"] = ["Annabel Featherstonehaugh-Smith", "Bob"]
    svg = stage_chart_svg(transcript, translator("en"))
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert box
    width, height = int(box.group(1)), int(box.group(2))
    for y, text in re.findall(r'<text x="\d+" y="(-?\d+)"[^>]*>([^<]*)<', svg):
        assert 15 <= int(y) <= height, text  # a baseline below the top: the letters show
    names = re.findall(r'<text x="(\d+)" y="-?\d+" fill="[^"]+">([^<]*)<', svg)
    assert len(names) == 4
    for x, text in names:
        assert int(x) + 9 * len(text) <= width, text
    assert "Annabel Featherstonehaugh-Smith ✓" in svg
