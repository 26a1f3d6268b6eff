"""On a pool small enough to list every panel, each method draws with the odds it promises.

The seeds are fixed, so these tests are deterministic: they cannot flake, and a change to the
method that shifted the odds would show as a large chi-square statistic.
"""

from collections import Counter
from fractions import Fraction
from itertools import combinations

from tally.sortition import DrawInputs, Member, Method, Quota, draw_panel

# Two men and eight women, three seats, at least one man: 64 of the 120 trios qualify.
POOL = tuple(Member(f"m{k}", {"gender": "man"}) for k in range(2)) + tuple(
    Member(f"w{k}", {"gender": "woman"}) for k in range(8)
)
QUOTAS = (Quota("gender", "man", 1),)
SEATS = 3
DRAWS_PER_PANEL = 100

# The 99.9th percentile of chi-square with 63 degrees of freedom is about 103.4; a correct
# method exceeds it with probability 1/1000, and these fixed seeds were checked once.
CHI_SQUARE_BOUND = Fraction(1034, 10)


def feasible_panels() -> list[frozenset[str]]:
    return [
        frozenset(p)
        for p in combinations([m.id for m in POOL], SEATS)
        if sum(1 for i in p if i.startswith("m")) >= 1
    ]


def sequential_odds() -> dict[frozenset[str], Fraction]:
    """The sequential method's promise, by listing every order: each seat uniformly among
    members whose choice still leaves a panel with a man possible."""
    odds: dict[frozenset[str], Fraction] = {}
    ids = [m.id for m in POOL]

    def completes(chosen: list[str]) -> bool:
        left = SEATS - len(chosen)
        has_man = any(i.startswith("m") for i in chosen)
        men_left = sum(1 for i in ids if i.startswith("m") and i not in chosen)
        return has_man or (left >= 1 and men_left >= 1)

    def walk(chosen: list[str], p: Fraction) -> None:
        if len(chosen) == SEATS:
            panel = frozenset(chosen)
            odds[panel] = odds.get(panel, Fraction(0)) + p
            return
        safe = [i for i in ids if i not in chosen and completes([*chosen, i])]
        for i in safe:
            walk([*chosen, i], p / len(safe))

    walk([], Fraction(1))
    return odds


def chi_square(counts: Counter[frozenset[str]], odds: dict[frozenset[str], Fraction]) -> Fraction:
    total = sum(counts.values())
    assert set(counts) <= set(odds)
    return sum(
        ((counts[panel] - total * p) ** 2 / (total * p) for panel, p in odds.items()),
        Fraction(0),
    )


def observed(method: Method) -> Counter[frozenset[str]]:
    inputs = DrawInputs(POOL, SEATS, QUOTAS, method)
    runs = DRAWS_PER_PANEL * len(feasible_panels())
    return Counter(frozenset(draw_panel(inputs, f"uniformity {k}").panel) for k in range(runs))


def test_uniform_method_draws_every_feasible_panel_equally_often():
    panels = feasible_panels()
    uniform = {panel: Fraction(1, len(panels)) for panel in panels}
    counts = observed(Method.UNIFORM)
    assert set(counts) == set(panels)
    assert chi_square(counts, uniform) < CHI_SQUARE_BOUND


def test_sequential_method_draws_with_its_stated_odds_which_are_not_uniform():
    panels = feasible_panels()
    uniform = {panel: Fraction(1, len(panels)) for panel in panels}
    promised = sequential_odds()
    both_men = frozenset({"m0", "m1", "w0"})
    # Uniformly a panel with both men has odds 1/64; sequentially 1/120 (see tally.sortition).
    assert promised[both_men] == Fraction(1, 120)
    counts = observed(Method.SEQUENTIAL)
    assert set(counts) == set(panels)
    assert chi_square(counts, promised) < CHI_SQUARE_BOUND
    # The same statistic tells the two methods apart, so the uniform test above can fail.
    assert chi_square(counts, uniform) > 2 * CHI_SQUARE_BOUND
