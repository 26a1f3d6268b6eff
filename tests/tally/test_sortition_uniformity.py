"""On a pool small enough to list every panel, each method draws with the odds it promises.

The seeds are fixed, so these tests are deterministic: they cannot flake, and a change to the
method that shifted the odds would show as a large chi-square statistic.
"""

from collections import Counter
from fractions import Fraction
from itertools import combinations

from tally.lot import Lot
from tally.sortition import DrawInputs, Member, Method, Quota, draw_panel
from tally.sortition_uniform import draw_uniformly

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


# Eight members, three seats, "man at least 1" and "young at most 1": 21 of the 56 trios
# qualify. With a budget of 6 counting states only the age quota is counted (4 states; both
# need 10), so the gender quota is met by rejection: this exercises the uniform method's
# rejection step.
MIXED = tuple(
    Member(i, {"gender": g, "age": a})
    for i, g, a in [
        ("a", "woman", "young"),
        ("b", "woman", "young"),
        ("c", "woman", "old"),
        ("d", "woman", "old"),
        ("e", "man", "young"),
        ("f", "man", "old"),
        ("g", "woman", "old"),
        ("h", "man", "young"),
    ]
)
MIXED_QUOTAS = (Quota("gender", "man", 1), Quota("age", "young", 0, 1))

# The 99.9th percentile of chi-square with 20 degrees of freedom is about 45.31.
MIXED_BOUND = Fraction(4531, 100)


def test_uniform_method_stays_uniform_when_it_rejects_on_uncounted_quotas():
    inputs = DrawInputs(MIXED, 3, MIXED_QUOTAS)
    by_id = {m.id: m for m in MIXED}

    def meets(panel: tuple[str, ...]) -> bool:
        men = sum(1 for i in panel if by_id[i].features["gender"] == "man")
        young = sum(1 for i in panel if by_id[i].features["age"] == "young")
        return men >= 1 and young <= 1

    panels = [frozenset(p) for p in combinations(sorted(by_id), 3) if meets(p)]
    assert len(panels) == 21
    counts: Counter[frozenset[str]] = Counter()
    trials = 0
    for k in range(DRAWS_PER_PANEL * len(panels)):
        drawn = draw_uniformly(inputs, Lot(f"mixed {k}"), state_budget=6)
        assert drawn.counted_features == ("age",)
        assert drawn.panels_counted == 28
        trials += drawn.trials
        counts[frozenset(drawn.panel)] += 1
    assert trials > DRAWS_PER_PANEL * len(panels)  # some panels were rejected
    uniform = {panel: Fraction(1, len(panels)) for panel in panels}
    assert chi_square(counts, uniform) < MIXED_BOUND
