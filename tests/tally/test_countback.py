"""Countback (tally.countback): a hand-worked vacancy, refusals, and properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally.ballots import Ballot, Election, single
from tally.blt import read_blt
from tally.cli import main
from tally.countback import countback
from tally.errors import CountError
from tally.transfer import SCOTTISH, count_by_transfer

WARD = """4 2
4 1 2 0
2 1 3 0
3 2 0
2 3 0
1 4 3 0
0
"Ann"
"Bob"
"Cat"
"Dan"
"Ward"
"""


@pytest.fixture
def ward(tmp_path: Path) -> str:
    path = tmp_path / "ward.blt"
    path.write_text(WARD, encoding="utf-8")
    return str(path)


def test_ann_leaves_and_cat_fills_her_seat_with_her_papers_at_the_value_she_kept(ward):
    """12 papers, 2 seats, Droop quota ⌊12/3⌋ + 1 = 5. Ann has 6 first preferences (4 A>B,
    2 A>C) and is elected at stage 1; her surplus of 1 passes at 1/6 truncated = 0.16666, so
    each of her 6 papers keeps 1 − 0.16666 = 0.83334 for her. Dan then Cat are excluded and
    Bob is elected last. Ann leaves: standing are Cat and Dan (Bob is still elected). Her 4
    A>B papers name no standing candidate and are non-transferable (3.33336); her 2 A>C
    papers go to Cat with 1.66668, a majority of the 1.66668 held by standing candidates:
    Cat fills the seat, although Dan would not have had a paper from Ann at all."""
    election = read_blt(ward)
    result = countback(election, 0)
    assert result.original.elected == (0, 1)
    assert result.standing == (2, 3)
    assert result.winner == 2
    first = result.recount.stages[0]
    assert first.votes[2] == 2 * 83334
    assert first.non_transferable == 4 * 83334
    assert result.recount.valid_votes == 6 * 83334


def test_when_cat_will_not_stand_dan_fills_the_seat(ward):
    election = read_blt(ward)
    assert countback(election, 0, not_standing=[2]).winner == 3


def test_a_candidate_who_was_not_elected_leaves_no_seat_to_fill(ward):
    with pytest.raises(CountError, match="Cat was not elected"):
        countback(read_blt(ward), 2)


def test_nobody_left_to_stand_is_refused(ward):
    with pytest.raises(CountError, match="nobody is left to stand"):
        countback(read_blt(ward), 0, not_standing=[2, 3])


def test_cli_countback_prints_who_fills_the_vacancy(ward, capsys):
    assert main(["countback", ward, "Ann"]) == 0
    assert "The vacancy is filled by Cat." in capsys.readouterr().out
    assert main(["countback", ward, "Ann", "--not-standing", "Cat"]) == 0
    assert "The vacancy is filled by Dan." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["Zed"], "'Zed' is not a candidate"),
        (["Cat"], "Cat was not elected"),
        (["Ann", "--not-standing", "Eve"], "'Eve' is not a candidate"),
    ],
)
def test_cli_countback_refuses_bad_input_with_exit_2(ward, capsys, argv, message):
    assert main(["countback", ward, *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


_rankings = st.lists(
    st.permutations(range(5)).flatmap(lambda p: st.integers(1, 5).map(lambda k: tuple(p[:k]))),
    min_size=1,
    max_size=25,
)


def _election(rankings: list[tuple[int, ...]], seats: int) -> Election:
    ballots = tuple(Ballot(tuple(single(c) for c in r), 1) for r in rankings)
    return Election(candidates=("A", "B", "C", "D", "E"), seats=seats, ballots=ballots)


@settings(max_examples=60, deadline=None)
@given(_rankings, st.integers(1, 3), st.data())
def test_the_winner_is_always_a_standing_candidate_never_a_member_or_the_departed(
    rankings, seats, data
):
    election = _election(rankings, seats)
    elected = count_by_transfer(election, SCOTTISH, seed="s").elected
    departed = data.draw(st.sampled_from(elected))
    others = [c for c in range(5) if c not in elected]
    not_standing = data.draw(st.lists(st.sampled_from(others), max_size=len(others) - 1))
    result = countback(election, departed, not_standing, seed="s")
    assert result.winner in result.standing
    assert result.winner not in elected
    assert result.winner not in not_standing
    assert set(result.standing) == set(others) - set(not_standing)


@settings(max_examples=40, deadline=None)
@given(_rankings, st.integers(1, 3), st.data())
def test_with_one_candidate_standing_they_fill_the_seat(rankings, seats, data):
    election = _election(rankings, seats)
    elected = count_by_transfer(election, SCOTTISH, seed="s").elected
    departed = data.draw(st.sampled_from(elected))
    others = [c for c in range(5) if c not in elected]
    sole = data.draw(st.sampled_from(others))
    result = countback(election, departed, [c for c in others if c != sole], seed="s")
    assert result.winner == sole
