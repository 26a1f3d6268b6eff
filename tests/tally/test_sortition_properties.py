"""Properties of every draw on random small pools, checked against brute force."""

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally.lot import Lot
from tally.sortition import (
    DrawInputs,
    DrawTooLarge,
    InfeasibleQuotas,
    Member,
    Method,
    Quota,
    check_quotas,
    draw_panel,
    verify_draw,
)
from tally.sortition_maximin import solve_maximin
from tally.sortition_uniform import draw_uniformly
from tests.strategies import feasible_sortitions


def meets(inputs: DrawInputs, panel: tuple[str, ...] | list[str]) -> bool:
    by_id = {m.id: m for m in inputs.pool}
    for quota in inputs.quotas:
        n = sum(1 for i in panel if by_id[i].features[quota.feature] == quota.value)
        if n < quota.min or (quota.max is not None and n > quota.max):
            return False
    return True


def brute_force_panels(inputs: DrawInputs) -> int:
    ids = [m.id for m in inputs.pool]
    return sum(1 for panel in combinations(ids, inputs.seats) if meets(inputs, panel))


def portfolio_for(inputs: DrawInputs):
    """The committed lottery a maximin draw needs (none for the other methods)."""
    return solve_maximin(inputs, panels=100) if inputs.method is Method.MAXIMIN else None


@settings(deadline=None)  # a maximin case solves its portfolio first
@given(feasible_sortitions(), st.binary(max_size=8))
def test_drawn_panel_meets_every_quota_and_verifies(inputs, seed):
    portfolio = portfolio_for(inputs)
    result = draw_panel(inputs, seed, portfolio)
    assert len(result.panel) == inputs.seats
    assert len(set(result.panel)) == inputs.seats
    assert set(result.panel) <= {m.id for m in inputs.pool}
    assert meets(inputs, result.panel)
    assert verify_draw(inputs, result, portfolio) == []


@given(feasible_sortitions(Method.UNIFORM))
def test_uniform_method_counts_the_panels_brute_force_finds(inputs):
    assert draw_panel(inputs, "count").panels_possible == brute_force_panels(inputs)


@given(feasible_sortitions(Method.UNIFORM), st.binary(max_size=8), st.integers(1, 40))
def test_uniform_draw_meets_every_quota_whatever_it_could_count(inputs, seed, budget):
    try:
        drawn = draw_uniformly(inputs, Lot(seed), state_budget=budget)
    except DrawTooLarge:
        return  # not even one feature's quotas fit this budget, or every trial was rejected
    assert len(set(drawn.panel)) == inputs.seats
    assert meets(inputs, drawn.panel)
    assert drawn.trials >= 1


@settings(deadline=None)  # a maximin case solves its portfolio first
@given(feasible_sortitions(), st.binary(max_size=8))
def test_a_rerun_with_the_seed_reproduces_the_draw(inputs, seed):
    portfolio = portfolio_for(inputs)
    assert draw_panel(inputs, seed, portfolio) == draw_panel(inputs, seed, portfolio)


@st.composite
def pools_with_any_quotas(draw: st.DrawFn) -> DrawInputs:
    """Random quotas, often infeasible, on a random small pool."""
    inputs = draw(feasible_sortitions())
    values = sorted({(k, v) for m in inputs.pool for k, v in m.features.items()})
    chosen = draw(st.lists(st.sampled_from(values), unique=True, max_size=len(values)))
    quotas = []
    for feature, value in chosen:
        low = draw(st.integers(0, 4))
        high = draw(st.one_of(st.none(), st.integers(low, 5)))
        quotas.append(Quota(feature, value, low, high))
    return DrawInputs(inputs.pool, inputs.seats, tuple(quotas), inputs.method)


@given(pools_with_any_quotas())
def test_quotas_are_called_infeasible_exactly_when_no_panel_meets_them(inputs):
    feasible = brute_force_panels(inputs) > 0
    if feasible:
        check_quotas(inputs)
        return
    with pytest.raises(InfeasibleQuotas) as caught:
        check_quotas(inputs)
    # The named quotas alone already conflict (seats against the pool names none).
    named = caught.value.quotas
    if named:
        alone = DrawInputs(inputs.pool, inputs.seats, named, inputs.method)
        assert brute_force_panels(alone) == 0


def test_sequential_draw_can_reach_every_feasible_panel():
    pool = tuple(
        Member(i, {"gender": g, "age": a})
        for i, g, a in [
            ("a", "woman", "young"),
            ("b", "woman", "old"),
            ("c", "man", "young"),
            ("d", "man", "old"),
            ("e", "man", "old"),
        ]
    )
    inputs = DrawInputs(
        pool, 3, (Quota("gender", "woman", 1, 1), Quota("age", "young", 1)), Method.SEQUENTIAL
    )
    seen = {frozenset(draw_panel(inputs, f"reach {k}").panel) for k in range(200)}
    everything = {
        frozenset(p) for p in combinations([m.id for m in pool], 3) if meets(inputs, list(p))
    }
    assert seen == everything
