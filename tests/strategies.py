"""Hypothesis strategies shared by the property tests, one headed section per package area."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from tally.ballots import Ballot, Election, group_ballots, single
from tally.constraints import Constraint
from tally.majority import Base, Comparison, MajorityRule, Quorum
from tally.sortition import DrawInputs, Member, Method, Quota

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


@st.composite
def feasible_sortitions(draw: st.DrawFn, method: Method | None = None) -> DrawInputs:
    """A small pool, seats and quotas that some panel meets (a hidden panel is built first).

    One to three features with one to three values each; quotas are drawn around the hidden
    panel's counts, so they are feasible by construction but often tight.
    """
    features = {
        f"f{i}": [f"v{j}" for j in range(draw(st.integers(1, 3)))]
        for i in range(draw(st.integers(1, 3)))
    }
    size = draw(st.integers(1, 12))
    pool = tuple(
        Member(
            f"m{k:02d}", {name: draw(st.sampled_from(values)) for name, values in features.items()}
        )
        for k in range(size)
    )
    seats = draw(st.integers(1, min(size, 6)))
    hidden = draw(st.permutations(pool))[:seats]
    quotas = []
    for name, values in features.items():
        for value in values:
            if not draw(st.booleans()):
                continue
            seated = sum(1 for m in hidden if m.features[name] == value)
            low = seated - draw(st.integers(0, seated))
            high = draw(st.one_of(st.none(), st.integers(seated, seated + 2)))
            quotas.append(Quota(name, value, low, high))
    chosen = draw(st.sampled_from(list(Method))) if method is None else method
    return DrawInputs(pool, seats, tuple(quotas), chosen)


# --- ranked ballots (tally.ballots, tally.blt, Scottish STV and IRV) ----------------------------

_NAME_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="\x85"
)


@st.composite
def candidate_names(draw: st.DrawFn, n: int) -> tuple[str, ...]:
    """``n`` distinct candidate names: any printable text, quotes and accents included."""
    names = draw(
        st.lists(
            st.text(_NAME_ALPHABET, min_size=1, max_size=12).filter(lambda s: s.strip() == s),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    return tuple(names)


@st.composite
def rankings(draw: st.DrawFn, n: int, equal_rankings: bool = False) -> tuple[tuple[int, ...], ...]:
    """One ballot's ranking of some of ``n`` candidates, each at most once; with
    ``equal_rankings`` some preferences are groups ranked equal."""
    order = draw(st.permutations(range(n)))
    length = draw(st.integers(0, n))
    chosen = order[:length]
    groups: list[tuple[int, ...]] = []
    i = 0
    while i < len(chosen):
        size = draw(st.integers(1, min(3, len(chosen) - i))) if equal_rankings else 1
        groups.append(tuple(chosen[i : i + size]) if size > 1 else single(chosen[i]))
        i += size
    return tuple(groups)


@st.composite
def elections(
    draw: st.DrawFn,
    min_candidates: int = 1,
    max_candidates: int = 6,
    max_seats: int = 3,
    max_ballots: int = 25,
    equal_rankings: bool = False,
    withdrawn: bool = True,
    names: bool = False,
) -> Election:
    """A small election with grouped ballots (weights 1–4); optionally withdrawn candidates,
    equal rankings and arbitrary (BLT-quoting-hostile) names."""
    n = draw(st.integers(min_candidates, max_candidates))
    seats = draw(st.integers(1, max_seats))
    raw = draw(
        st.lists(
            st.tuples(rankings(n, equal_rankings), st.integers(1, 4)),
            min_size=0,
            max_size=max_ballots,
        )
    )
    out = draw(withdrawn_sets(n)) if withdrawn else frozenset()
    return Election(
        candidates=draw(candidate_names(n)) if names else tuple(f"C{i + 1}" for i in range(n)),
        seats=seats,
        ballots=group_ballots(Ballot(r, w) for r, w in raw),
        title=draw(st.text(_NAME_ALPHABET, max_size=20)) if names else "test",
        withdrawn=out,
    )


def withdrawn_sets(n: int) -> st.SearchStrategy[frozenset[int]]:
    """Up to one withdrawn candidate in three, never all of them."""
    return st.frozensets(st.integers(0, n - 1), max_size=max(0, (n - 1) // 3))


# --- Meek STV and representation constraints (tally.meek, tally.constraints) --------------------

_LABELS = ("woman", "man", "north", "south")


@st.composite
def constrained_elections(
    draw: st.DrawFn, max_candidates: int = 7, max_seats: int = 4
) -> tuple[Election, list[Constraint]]:
    """An election whose candidates carry labels (a gender and a region), and one to three
    "at least"/"at most" constraints on those labels; not always feasible."""
    base = draw(elections(min_candidates=2, max_candidates=max_candidates, max_seats=max_seats))
    n = len(base.candidates)
    attributes = tuple(
        frozenset({draw(st.sampled_from(_LABELS[:2])), draw(st.sampled_from(_LABELS[2:]))})
        for _ in range(n)
    )
    constraints = []
    for label in draw(st.lists(st.sampled_from(_LABELS), min_size=1, max_size=3, unique=True)):
        low = draw(st.integers(0, base.seats))
        high = draw(st.none() | st.integers(low, base.seats))
        constraints.append(Constraint(label, at_least=low, at_most=high))
    election = Election(
        candidates=base.candidates,
        seats=base.seats,
        ballots=base.ballots,
        title=base.title,
        withdrawn=base.withdrawn,
        attributes=attributes,
    )
    return election, constraints
