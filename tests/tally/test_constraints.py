"""Representation constraints (tally.constraints): guarded and doomed candidates inside Meek STV."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tally.ballots import Ballot, Election, single
from tally.constraints import Constraint, check_feasible
from tally.errors import CountError
from tally.meek import RULE
from tally.rules import SCOTTISH, Rule, rule_named
from tally.transcript import check_balance
from tests.strategies import constrained_elections

RULES = pytest.mark.parametrize(("rule", "counter"), [("scottish", SCOTTISH), ("meek", RULE)])
WOMAN = frozenset({"woman"})
MAN = frozenset({"man"})


def ballot(order: str, weight: int) -> Ballot:
    return Ballot(tuple(single("ABCDEF".index(x)) for x in order), weight)


def two_men_lead() -> Election:
    """A and B (men) lead; C and D (women) trail; E has no label."""
    return Election(
        ("A", "B", "C", "D", "E"),
        2,
        (ballot("AB", 40), ballot("BA", 30), ballot("CA", 20), ballot("DC", 6), ballot("EC", 4)),
        attributes=(MAN, MAN, WOMAN, WOMAN, frozenset()),
    )


@RULES
def test_at_least_one_woman_changes_who_is_elected(rule: str, counter: Rule) -> None:
    election = two_men_lead()
    assert counter.count(election).elected_names == ["A", "B"]
    t = counter.count(election, constraints=[Constraint("woman", at_least=1)])
    assert t.rule == rule
    assert t.elected_names == ["A", "C"]
    doomed = [d for s in t.stages for d in s.excluded if d.reason == "doomed"]
    assert sorted(election.name(d.candidate) for d in doomed) == ["B", "E"]
    assert any("B doomed" in note and "at least 1" in note for note in t.notes)
    check_balance(t)


@RULES
def test_at_most_one_man_dooms_the_second_man_who_reaches_the_quota(
    rule: str, counter: Rule
) -> None:
    election = two_men_lead()
    t = counter.count(election, constraints=[Constraint("man", at_most=1)])
    assert t.elected_names[0] == "A"
    assert "B" not in t.elected_names
    check_balance(t)


@RULES
def test_guarded_candidate_is_not_excluded_though_lowest(rule: str, counter: Rule) -> None:
    # Three seats; D (the only woman) has the fewest votes, but one seat must go to a woman:
    # D is guarded, so E and then C are excluded in her place.
    election = Election(
        ("A", "B", "C", "D", "E"),
        3,
        (ballot("A", 31), ballot("B", 25), ballot("C", 22), ballot("D", 17), ballot("E", 20)),
        attributes=(MAN, MAN, MAN, WOMAN, MAN),
    )
    assert "D" not in counter.count(election).elected_names
    t = counter.count(election, constraints=[Constraint("woman", at_least=1)])
    assert sorted(t.elected_names) == ["A", "B", "D"]
    excluded = [(election.name(d.candidate), d.reason) for s in t.stages for d in s.excluded]
    # Meek's quota falls as votes exhaust, so B is elected and C is then doomed; Scottish STV's
    # quota is fixed, so C is excluded as the lowest unguarded candidate.
    assert excluded == [("E", "lowest"), ("C", "doomed" if rule == "meek" else "lowest")]
    assert any(
        "D guarded" in note and "at least 1 of the seats to 'woman'" in note for note in t.notes
    )
    check_balance(t)


@RULES
def test_two_constraints_at_once_gender_and_region(rule: str, counter: Rule) -> None:
    north, south = "north", "south"
    attributes = (
        frozenset({"man", north}),
        frozenset({"man", north}),
        frozenset({"man", south}),
        frozenset({"woman", north}),
        frozenset({"woman", south}),
    )
    election = Election(
        ("A", "B", "C", "D", "E"),
        2,
        (ballot("AB", 40), ballot("BA", 35), ballot("CB", 10), ballot("DA", 8), ballot("EC", 7)),
        attributes=attributes,
    )
    constraints = [Constraint("woman", at_least=1), Constraint(south, at_least=1)]
    t = counter.count(election, constraints=constraints)
    won = set(t.elected)
    assert any("woman" in attributes[c] for c in won)
    assert any(south in attributes[c] for c in won)
    assert len(won) == 2
    assert t.elected_names != counter.count(election).elected_names


def test_infeasible_constraints_are_rejected_before_counting_naming_the_constraint() -> None:
    election = two_men_lead()
    with pytest.raises(CountError, match="at least 3 of the seats to 'woman'"):
        SCOTTISH.count(election, constraints=[Constraint("woman", at_least=3)])
    with pytest.raises(CountError, match="'woman' and at least 1 of the seats to 'man' together"):
        check_feasible(election, [Constraint("woman", at_least=2), Constraint("man", at_least=1)])


def test_a_constraint_that_is_not_a_range_is_rejected() -> None:
    with pytest.raises(CountError, match="not a range"):
        check_feasible(two_men_lead(), [Constraint("woman", at_least=2, at_most=1)])


def test_constraints_with_another_rule_are_refused() -> None:
    with pytest.raises(CountError, match="scottish or meek"):
        rule_named("irv").count(two_men_lead(), constraints=[Constraint("woman", 1)])


@settings(max_examples=60, deadline=None)
@given(constrained_elections(), st.sampled_from(["scottish", "meek"]))
def test_feasible_constraints_always_hold_and_the_seats_are_filled(
    case: tuple[Election, list[Constraint]], rule: str
) -> None:
    election, constraints = case
    try:
        check_feasible(election, constraints)
    except CountError:
        assume(False)
    t = rule_named(rule).count(election, constraints=constraints, seed="s")
    check_balance(t)
    assert len(t.elected) == min(election.seats, len(election.continuing))
    for k in constraints:
        held = sum(1 for c in t.elected if k.attribute in election.attributes[c])
        assert held >= k.at_least, k
        assert k.at_most is None or held <= k.at_most, k
