"""Meek STV (tally.meek): small elections whose figures can be followed by hand."""

from __future__ import annotations

import json
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally.arithmetic import format_fixed
from tally.ballots import Ballot, Election, single
from tally.cli import main
from tally.meek import PARAMETRIC, RULE
from tally.rules import rule_named
from tally.transcript import check_balance, transcript_from_dict, transcript_to_dict
from tests.strategies import elections

NAMES = ("Castor", "Pollux", "Helen")


def ballot(*candidates: int | tuple[int, ...], weight: int = 1) -> Ballot:
    groups = tuple(single(c) if isinstance(c, int) else c for c in candidates)
    return Ballot(groups, weight)


def test_rule_named_meek_is_the_prf_reference_rule_at_nine_decimals() -> None:
    assert rule_named("meek") is RULE
    assert RULE.decimals == 9


def test_surplus_passes_on_by_keep_factor_rounded_up() -> None:
    # 4 Castor>Pollux, 2 Helen; 2 seats: quota 2.000000001. Castor's keep factor falls to
    # 0.500000001 (kf × quota and the division both rounded up); each ballot then keeps
    # ⌈0.500000001⌉ for Castor and passes 0.499999999 to Pollux.
    election = Election(NAMES, 2, (ballot(0, 1, weight=4), ballot(2, weight=2)))
    t = RULE.count(election)
    fx = [[format_fixed(v, 9) for v in s.votes] for s in t.stages]
    assert fx[0] == ["4.000000000", "0.000000000", "2.000000000"]
    assert t.stages[2].keep_factors is not None
    assert format_fixed(t.stages[2].keep_factors[0], 9) == "0.500000001"
    assert fx[2] == ["2.000000004", "1.999999996", "2.000000000"]
    assert t.stages[2].action == "exclusion"
    assert t.stages[2].subject == 1
    assert t.elected_names == ["Castor", "Helen"]
    check_balance(t)


def test_parametric_variant_counts_the_same_small_election_in_balance() -> None:
    election = Election(NAMES, 2, (ballot(0, 1, weight=4), ballot(2, weight=2)))
    t = PARAMETRIC.count(election)
    check_balance(t)
    assert t.elected_names == ["Castor", "Helen"]
    assert t.rule == "meek-parametric"
    assert t.stages[2].keep_factors is not None
    assert format_fixed(t.stages[2].keep_factors[0], 9) == "0.500000001"


def test_equal_ranking_splits_the_vote_equally() -> None:
    election = Election(NAMES, 1, (ballot((0, 1), 2, weight=3), ballot(2, weight=1)))
    t = RULE.count(election)
    assert [format_fixed(v, 9) for v in t.stages[0].votes] == [
        "1.500000000",
        "1.500000000",
        "1.000000000",
    ]
    check_balance(t)


def test_equal_ranking_of_three_loses_the_truncated_remainder_to_rounding() -> None:
    election = Election(("A", "B", "C", "D"), 1, (ballot((0, 1, 2)), ballot(3)))
    first = RULE.count(election).stages[0]
    assert format_fixed(first.votes[0], 9) == "0.333333333"
    assert format_fixed(first.rounding_loss, 9) == "0.000000001"


def test_withdrawn_candidate_is_skipped() -> None:
    election = Election(
        NAMES, 1, (ballot(0, 1, weight=3), ballot(2, weight=2)), withdrawn=frozenset({0})
    )
    t = RULE.count(election)
    assert t.stages[0].votes == (0, 3 * 10**9, 2 * 10**9)
    assert t.elected_names == ["Pollux"]


def test_tie_for_exclusion_without_tie_order_is_drawn_by_lot_and_recorded() -> None:
    # A is elected on the first count; B and C have nothing: one of them is excluded by lot.
    election = Election(("A", "B", "C"), 2, (ballot(0, weight=3),))
    t = RULE.count(election, seed="meek tie")
    ties = [d.tie for s in t.stages for d in s.excluded if d.tie is not None]
    assert len(ties) == 1
    assert ties[0].method == "lot"
    assert ties[0].draws
    assert t.seed == "meek tie"
    again = RULE.count(election, seed="meek tie")
    assert again.elected == t.elected


def test_tie_order_in_the_file_decides_a_tie_for_exclusion() -> None:
    election = Election(("A", "B", "C"), 2, (ballot(0, weight=3),), tie_order=(2, 1, 0))
    t = RULE.count(election)
    excluded = [d for s in t.stages for d in s.excluded if d.reason == "lowest"]
    assert excluded[0].candidate == 2
    assert excluded[0].tie is not None
    assert excluded[0].tie.method == "tie order"


def test_cli_counts_with_meek_and_the_json_document_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "e.blt"
    path.write_text('3 2\n4 1 2 0\n2 3 0\n0\n"Castor"\n"Pollux"\n"Helen"\n"t"\n', encoding="utf-8")
    assert main(["count", "--rule", "meek", "--json", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rule"] == "meek"
    assert doc["elected"] == ["Castor", "Helen"]
    assert doc["stages"][2]["keep_factors"]["Castor"] == "0.500000001"
    assert transcript_to_dict(transcript_from_dict(doc)) == doc


@settings(max_examples=60, deadline=None)
@given(elections(max_candidates=6, max_seats=3, equal_rankings=True), st.booleans())
def test_every_stage_balances_and_min_seats_candidates_are_elected(
    election: Election, parametric: bool
) -> None:
    rule = PARAMETRIC if parametric else RULE
    t = rule.count(election, seed="s")
    check_balance(t)
    assert len(t.elected) == min(election.seats, len(election.continuing))
    assert len(set(t.elected)) == len(t.elected)
    assert not set(t.elected) & election.withdrawn


@settings(max_examples=40, deadline=None)
@given(elections(max_candidates=5, max_seats=2, withdrawn=False))
def test_a_candidate_with_a_quota_of_first_preferences_is_elected(election: Election) -> None:
    t = RULE.count(election, seed="s")
    first = t.stages[0]
    for c, v in enumerate(first.votes):
        if v >= first.quota:
            assert c in t.elected


@settings(max_examples=40, deadline=None)
@given(elections(max_candidates=6, max_seats=3, equal_rankings=True), st.randoms())
def test_the_order_of_the_ballots_changes_nothing(election: Election, random: Random) -> None:
    shuffled = list(election.ballots)
    random.shuffle(shuffled)
    again = Election(
        election.candidates, election.seats, tuple(shuffled), withdrawn=election.withdrawn
    )
    first = RULE.count(election, seed="s")
    assert RULE.count(again, seed="s").stages == first.stages


@settings(max_examples=40, deadline=None)
@given(elections(max_candidates=6, max_seats=3, withdrawn=False))
def test_a_ballot_file_read_back_counts_the_same_as_the_election(election: Election) -> None:
    # The reader builds the shared prefix index; the count then uses it instead of its own.
    from tally.blt import parse_blt, write_blt

    read = parse_blt(write_blt(election), "e.blt")
    assert RULE.count(read, seed="s").stages == RULE.count(election, seed="s").stages
