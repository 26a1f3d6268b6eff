"""Properties every majority rule keeps, whatever its base, threshold and quorum."""

import json
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from tally.majority import (
    Base,
    Choice,
    Comparison,
    MajorityRule,
    MotionResult,
    Outcome,
    count_motion,
    count_weighted_motion,
)
from tests.strategies import majority_rules, vote_weights


@given(majority_rules(), vote_weights(), vote_weights(), vote_weights(), vote_weights(), st.data())
def test_more_votes_for_never_turns_carried_into_lost(rule, for_, against, abstain, extra, data):
    spare = data.draw(vote_weights())
    electorate = for_ + against + abstain + extra + spare
    before = count_motion(rule, for_, against, abstain, electorate)
    after = count_motion(rule, for_ + extra, against, abstain, electorate)
    if before.outcome is Outcome.CARRIED:
        assert after.outcome is Outcome.CARRIED
    if before.outcome is not Outcome.INQUORATE:
        assert after.outcome is not Outcome.INQUORATE


@given(
    st.sampled_from([Base.CAST, Base.CAST_WITH_ABSTENTIONS]),
    st.fractions(min_value=Fraction(1, 50), max_value=Fraction(49, 50), max_denominator=50),
    st.integers(1, 40),
)
def test_votes_exactly_at_the_threshold_carry_only_when_non_strict(base, threshold, scale):
    # Choose totals so that votes for are exactly threshold × base.
    total = threshold.denominator * scale
    for_ = threshold * total
    against = total - for_
    strict = count_motion(MajorityRule(base, threshold, Comparison.MORE_THAN), for_, against)
    loose = count_motion(MajorityRule(base, threshold, Comparison.AT_LEAST), for_, against)
    assert strict.required == for_ == loose.required
    assert strict.outcome is Outcome.LOST
    assert loose.outcome is Outcome.CARRIED


@given(
    st.fractions(min_value=Fraction(1, 50), max_value=Fraction(49, 50), max_denominator=50),
    st.integers(1, 40),
)
def test_electorate_threshold_is_exact_at_the_boundary_too(threshold, scale):
    electorate = threshold.denominator * scale
    for_ = threshold * electorate
    strict = MajorityRule(Base.ELECTORATE, threshold, Comparison.MORE_THAN)
    loose = MajorityRule(Base.ELECTORATE, threshold, Comparison.AT_LEAST)
    assert count_motion(strict, for_, 0, electorate=electorate).outcome is Outcome.LOST
    assert count_motion(loose, for_, 0, electorate=electorate).outcome is Outcome.CARRIED


@given(majority_rules(), st.lists(st.tuples(st.sampled_from(list(Choice)), st.integers(0, 9))))
def test_integer_and_fraction_weights_agree(rule, ballots):
    electorate = sum(weight for _, weight in ballots) + 7
    as_int = count_weighted_motion(rule, ballots, electorate)
    as_fraction = count_weighted_motion(
        rule, [(c, Fraction(w * 6, 6)) for c, w in ballots], Fraction(electorate)
    )
    assert as_int == as_fraction
    assert as_int.to_dict() == as_fraction.to_dict()


@given(majority_rules(), st.lists(st.tuples(st.sampled_from(list(Choice)), vote_weights(9))))
def test_weighted_ballots_equal_their_totals(rule, ballots):
    electorate = sum((w for _, w in ballots), Fraction(0)) + 1
    by_ballot = count_weighted_motion(rule, ballots, electorate)
    totals = {c: sum((w for d, w in ballots if d is c), Fraction(0)) for c in Choice}
    by_total = count_motion(
        rule, totals[Choice.FOR], totals[Choice.AGAINST], totals[Choice.ABSTAIN], electorate
    )
    assert by_ballot == by_total


@given(majority_rules(), vote_weights(), vote_weights(), vote_weights(), vote_weights())
def test_results_round_trip_through_json(rule, for_, against, abstain, spare):
    result = count_motion(rule, for_, against, abstain, for_ + against + abstain + spare)
    text = json.dumps(result.to_dict(), sort_keys=True)
    assert MotionResult.from_dict(json.loads(text)) == result
    assert MajorityRule.from_dict(json.loads(json.dumps(rule.to_dict()))) == rule


@given(majority_rules(), vote_weights(), vote_weights(), vote_weights(), vote_weights())
def test_inquorate_exactly_when_turnout_is_below_the_quorum(rule, for_, against, abstain, spare):
    result = count_motion(rule, for_, against, abstain, for_ + against + abstain + spare)
    below = result.quorum_needed is not None and result.turnout < result.quorum_needed
    assert (result.outcome is Outcome.INQUORATE) == below
