"""Motions are carried, lost or inquorate exactly as the rule says, with the deciding figures."""

import json
from fractions import Fraction

import pytest

from tally.majority import (
    Base,
    Choice,
    Comparison,
    MajorityRule,
    MotionResult,
    Outcome,
    Quorum,
    count_motion,
    count_weighted_motion,
)


def test_simple_majority_ignores_abstentions():
    result = count_motion(MajorityRule.simple_majority(), 40, 39, abstentions=100)
    assert result.outcome is Outcome.CARRIED
    assert result.base == 79
    assert result.required == Fraction(79, 2)
    assert result.turnout == 179


def test_simple_majority_tie_is_lost():
    result = count_motion(MajorityRule.simple_majority(), 50, 50)
    assert result.outcome is Outcome.LOST
    assert result.required == 50


def test_abstentions_count_against_when_the_base_includes_them():
    rule = MajorityRule(Base.CAST_WITH_ABSTENTIONS, Fraction(1, 2), Comparison.MORE_THAN)
    result = count_motion(rule, 40, 39, abstentions=2)
    assert result.outcome is Outcome.LOST
    assert result.base == 81


def test_two_thirds_is_met_exactly_at_two_thirds():
    assert count_motion(MajorityRule.two_thirds(), 20, 10).outcome is Outcome.CARRIED
    assert count_motion(MajorityRule.two_thirds(), 19, 10).outcome is Outcome.LOST


def test_absolute_majority_counts_those_who_stayed_away():
    rule = MajorityRule.absolute_majority()
    assert count_motion(rule, 60, 0, electorate=121).outcome is Outcome.LOST
    assert count_motion(rule, 61, 0, electorate=121).outcome is Outcome.CARRIED


def test_fractional_quorum_counts_abstentions_as_turnout():
    rule = MajorityRule.simple_majority(Quorum.fraction_of_electorate(Fraction(1, 4)))
    result = count_motion(rule, 10, 5, abstentions=10, electorate=100)
    assert result.outcome is Outcome.CARRIED
    assert result.quorum_needed == 25
    short = count_motion(rule, 10, 5, abstentions=9, electorate=100)
    assert short.outcome is Outcome.INQUORATE
    assert short.turnout == 24


def test_absolute_quorum_is_a_number_of_ballots():
    rule = MajorityRule.two_thirds(Quorum.number(30))
    assert count_motion(rule, 29, 0).outcome is Outcome.INQUORATE
    assert count_motion(rule, 30, 0).outcome is Outcome.CARRIED


def test_no_votes_at_all_is_lost_not_carried():
    rule = MajorityRule(Base.CAST, Fraction(1, 2), Comparison.AT_LEAST)
    assert count_motion(rule, 0, 0, abstentions=3).outcome is Outcome.LOST


def test_weighted_delegate_votes_are_counted_exactly():
    ballots: list[tuple[Choice | str, int | Fraction]] = [
        (Choice.FOR, Fraction(1, 3)),
        (Choice.FOR, Fraction(1, 3)),
        ("against", Fraction(2, 3)),
        (Choice.ABSTAIN, 5),
    ]
    result = count_weighted_motion(MajorityRule.simple_majority(), ballots, electorate=10)
    assert result.votes_for == result.votes_against == Fraction(2, 3)
    assert result.outcome is Outcome.LOST
    assert result.turnout == Fraction(19, 3)


def test_recall_yes_no_uses_for_as_yes():
    rule = MajorityRule.simple_majority()
    assert count_motion(rule, votes_for=501, votes_against=499).outcome is Outcome.CARRIED


def test_result_round_trips_through_deterministic_json():
    rule = MajorityRule(
        Base.ELECTORATE,
        Fraction(3, 5),
        Comparison.AT_LEAST,
        Quorum.fraction_of_electorate(Fraction(1, 3)),
    )
    result = count_motion(rule, Fraction(61, 2), 10, 1, electorate=50)
    text = json.dumps(result.to_dict(), sort_keys=True)
    again = MotionResult.from_dict(json.loads(text))
    assert again == result
    assert json.dumps(again.to_dict(), sort_keys=True) == text
    assert json.loads(text)["for"] == "61/2"
    assert json.loads(text)["required"] == 30


@pytest.mark.parametrize(
    ("threshold", "comparison", "message"),
    [
        (Fraction(0), Comparison.AT_LEAST, r"in \(0, 1\]"),
        (Fraction(3, 2), Comparison.AT_LEAST, r"in \(0, 1\]"),
        (Fraction(-1, 2), Comparison.MORE_THAN, "negative"),
        (Fraction(1), Comparison.MORE_THAN, "more than all"),
        (0.5, Comparison.MORE_THAN, "int or a Fraction"),
    ],
)
def test_nonsense_thresholds_are_rejected(threshold, comparison, message):
    with pytest.raises(ValueError, match=message):
        MajorityRule(Base.CAST, threshold, comparison)


def test_negative_counts_are_rejected():
    with pytest.raises(ValueError, match="votes against cannot be negative"):
        count_motion(MajorityRule.simple_majority(), 3, -1)


def test_electorate_base_without_electorate_is_rejected():
    with pytest.raises(ValueError, match="needs the electorate size"):
        count_motion(MajorityRule.absolute_majority(), 3, 1)


def test_fractional_quorum_without_electorate_is_rejected():
    rule = MajorityRule.simple_majority(Quorum.fraction_of_electorate(Fraction(1, 2)))
    with pytest.raises(ValueError, match="needs its size"):
        count_motion(rule, 3, 1)


def test_turnout_above_electorate_is_rejected():
    with pytest.raises(ValueError, match="more than the electorate"):
        count_motion(MajorityRule.simple_majority(), 3, 1, abstentions=1, electorate=4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Quorum.number(0), "no quorum"),
        (lambda: Quorum.fraction_of_electorate(Fraction(5, 4)), "cannot be met"),
        (
            lambda: Quorum.number(0.3),  # type: ignore[arg-type]
            "int or a Fraction",
        ),
    ],
)
def test_nonsense_quorums_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_float_vote_is_rejected():
    with pytest.raises(ValueError, match="int or a Fraction"):
        count_motion(MajorityRule.simple_majority(), 2.0, 1)  # type: ignore[arg-type]


def test_malformed_result_dict_is_a_value_error():
    data = count_motion(MajorityRule.simple_majority(), 3, 1).to_dict()
    del data["against"]
    with pytest.raises(ValueError, match="against"):
        MotionResult.from_dict(data)
