"""Scottish STV and IRV on small elections worked by hand (SSI 2007/42 Schedule 1 rules 45–52)."""

from __future__ import annotations

import pytest

from tally.ballots import Ballot, Election, single
from tally.errors import CountError
from tally.lot import Lot
from tally.rules import IRV, SCOTTISH, rule_named
from tally.ties import break_tie
from tally.transcript import check_balance


def _e(names: str, seats: int, *ballots: tuple[str, int], withdrawn: str = "") -> Election:
    index = {n: i for i, n in enumerate(names)}
    return Election(
        candidates=tuple(names),
        seats=seats,
        ballots=tuple(Ballot(tuple(single(index[c]) for c in r), w) for r, w in ballots),
        withdrawn=frozenset(index[c] for c in withdrawn),
    )


def test_surplus_transfer_values_are_truncated_to_five_decimals_and_the_loss_recorded():
    t = SCOTTISH.count(_e("ABC", 2, ("AB", 6), ("AC", 1), ("B", 1), ("C", 2)))
    check_balance(t)
    assert t.quota == 4_00000  # floor(10 / 3) + 1
    first, surplus, exclusion = t.stages
    assert [d.candidate for d in first.elected] == [0]
    assert surplus.action == "surplus"
    assert surplus.subject == 0
    assert surplus.transfer_value == 42857  # 3/7 truncated
    assert surplus.votes == (4_00000, 3_57142, 2_42857)
    assert surplus.rounding_loss == 1
    assert exclusion.subject == 2
    assert exclusion.excluded[0].reason == "lowest"
    assert exclusion.non_transferable == 2_42857
    assert [(d.candidate, d.reason) for d in exclusion.elected] == [(1, "last continuing")]
    assert t.elected_names == ["A", "B"]


def test_largest_surplus_is_transferred_first_one_per_stage():
    t = SCOTTISH.count(_e("ABCD", 3, ("AC", 9), ("BD", 7), ("C", 2), ("D", 2)))
    assert [s.action for s in t.stages[:3]] == ["first count", "surplus", "surplus"]
    assert [s.subject for s in t.stages[1:3]] == [0, 1]


def test_preferences_for_a_withdrawn_candidate_pass_to_the_next():
    t = SCOTTISH.count(_e("ABC", 1, ("BA", 3), ("C", 2), withdrawn="B"))
    assert t.stages[0].votes == (3_00000, 0, 2_00000)
    assert t.elected_names == ["A"]


def test_irv_elects_on_a_majority_of_the_votes_still_in_the_count():
    t = IRV.count(_e("ABC", 1, ("A", 4), ("B", 3), ("CB", 2)))
    check_balance(t)
    assert [s.action for s in t.stages] == ["first count", "exclusion"]
    assert t.stages[1].votes == (4, 5, 0)
    assert t.stages[1].quota == 5  # floor(9 / 2) + 1
    assert t.elected_names == ["B"]
    assert t.stages[1].elected[0].reason == "majority"


def test_equal_rankings_are_refused_by_scottish_stv_and_irv():
    e = Election(("A", "B"), 1, (Ballot(((0, 1),), 1),))
    for rule in (SCOTTISH, IRV):
        with pytest.raises(CountError, match="rank candidates equal"):
            rule.count(e)


def test_a_tie_is_broken_by_the_most_recent_stage_at_which_the_candidates_differed():
    history = [(0, 3, 4), (0, 5, 5)]
    chosen, tie = break_tie([2, 1], history, lowest=True, purpose="exclude", lot=lambda: Lot("x"))
    assert chosen == 1
    assert tie is not None
    assert tie.method == "earlier stage"
    assert tie.stage == 1


def test_a_tie_still_level_among_some_goes_on_among_those_and_then_to_the_file_tie_order():
    history = [(2, 1, 1), (3, 3, 3)]
    chosen, tie = break_tie(
        [0, 1, 2],
        history,
        lowest=True,
        purpose="exclude",
        lot=lambda: Lot("x"),
        tie_order=(2, 1, 0),
    )
    assert chosen == 2
    assert tie is not None
    assert tie.method == "tie order"


def test_a_tie_at_every_stage_is_decided_by_lot_and_the_draw_is_recorded():
    e = _e("ABC", 1, ("A", 2), ("B", 2), ("C", 3))
    t = IRV.count(e, seed="ro-2026")
    tie = t.stages[1].excluded[0].tie
    assert tie is not None
    assert tie.method == "lot"
    expected = Lot("ro-2026")
    loser = [0, 1][expected.below(2)]
    assert tie.chosen == loser
    assert tie.draws == ((0, 2, expected.draws[0].value),)
    assert t.seed == "ro-2026"
    assert IRV.count(e, seed="ro-2026") == t


def test_without_a_seed_the_lot_is_seeded_from_the_ballots_and_recorded():
    e = _e("AB", 1, ("A", 1), ("B", 1))
    t = IRV.count(e)
    assert t.seed is not None
    assert len(t.seed) == 64
    assert IRV.count(e) == t


def test_more_seats_than_candidates_elects_everyone_standing():
    t = SCOTTISH.count(_e("AB", 3, ("A", 1)))
    assert sorted(t.elected_names) == ["A", "B"]


def test_unknown_and_unavailable_rules_are_clear_errors():
    with pytest.raises(CountError, match="unknown rule"):
        rule_named("borda")


def test_an_empty_ballot_paper_is_not_a_valid_vote():
    e = Election(("A", "B"), 1, (Ballot((), 4), Ballot(((0,),), 2), Ballot(((1,),), 1)))
    assert e.valid_papers == 3
    t = SCOTTISH.count(e)
    assert t.valid_votes == 3 * 10**5
    assert t.stages[0].non_transferable == 0
