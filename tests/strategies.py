"""Hypothesis strategies shared by the property tests, one headed section per package area."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from tally.majority import Base, Comparison, MajorityRule, Quorum

# --- majorities and sortition (tally.majority, tally.sortition) ---------------------------------


def vote_weights(max_value: int = 50) -> st.SearchStrategy[Fraction]:
    """A non-negative exact weight: an int, or a Fraction with a small denominator."""
    return st.one_of(
        st.integers(0, max_value).map(Fraction),
        st.fractions(min_value=0, max_value=max_value, max_denominator=12),
    )


@st.composite
def majority_rules(draw: st.DrawFn) -> MajorityRule:
    """Any valid majority rule, with or without a quorum."""
    base = draw(st.sampled_from(list(Base)))
    comparison = draw(st.sampled_from(list(Comparison)))
    top = 1 if comparison is Comparison.AT_LEAST else Fraction(99, 100)
    threshold = draw(st.fractions(min_value=Fraction(1, 100), max_value=top, max_denominator=100))
    quorum = draw(
        st.one_of(
            st.none(),
            st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=100).map(
                Quorum.fraction_of_electorate
            ),
            st.integers(1, 200).map(Quorum.number),
        )
    )
    return MajorityRule(base, threshold, comparison, quorum)
