"""The result sheet and the JSON document say what the transcript holds, exactly."""

from __future__ import annotations

import json

from tally.ballots import Ballot, Election, single
from tally.report import result_json, result_sheet
from tally.rules import IRV, SCOTTISH
from tally.transcript import transcript_from_dict, transcript_to_dict


def _e(names: str, seats: int, *ballots: tuple[str, int]) -> Election:
    index = {n: i for i, n in enumerate(names)}
    return Election(
        candidates=tuple(names),
        seats=seats,
        ballots=tuple(Ballot(tuple(single(index[c]) for c in r), w) for r, w in ballots),
        title="Ward 9",
    )


def test_the_sheet_has_a_column_per_stage_and_totals_equal_to_the_valid_votes():
    t = SCOTTISH.count(_e("ABC", 2, ("AB", 6), ("AC", 1), ("B", 1), ("C", 2)))
    sheet = result_sheet(t)
    assert "Stage 1" in sheet
    assert "Stage 3" in sheet
    total_row = next(line for line in sheet.splitlines() if line.startswith("Total"))
    assert total_row.split()[1:] == ["10.00000"] * 3
    loss_row = next(line for line in sheet.splitlines() if line.startswith("Loss to rounding"))
    assert loss_row.split()[-1] == "0.00001"
    assert "Stage 2: surplus of A transferred at 0.42857" in sheet


def test_the_sheet_names_a_tie_broken_by_lot_and_the_draw():
    t = IRV.count(_e("ABC", 1, ("A", 2), ("B", 2), ("C", 3)), seed="s")
    tie = t.stages[1].excluded[0].tie
    assert tie is not None
    counter, n, value = tie.draws[0]
    assert f"broken by lot (block {counter} drew {value} from 0..{n - 1})" in result_sheet(t)
    assert "Seed for drawing lots: s" in result_sheet(t)


def test_json_round_trips_to_the_same_transcript():
    t = IRV.count(_e("ABC", 1, ("A", 2), ("B", 2), ("CA", 3)), seed="s")
    doc = json.loads(result_json(t))
    assert transcript_from_dict(doc) == t
    assert doc == transcript_to_dict(t)
    assert doc["stages"][1]["excluded"][0]["tie"]["method"] == "lot"
