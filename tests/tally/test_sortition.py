"""A sortition draw meets every quota, is reproducible from its seed, and checks itself."""

import json
from dataclasses import replace

import pytest

from tally import sortition_uniform
from tally.lot import Lot
from tally.sortition import (
    DrawInputs,
    DrawResult,
    DrawTooLarge,
    InfeasibleQuotas,
    Member,
    Method,
    Quota,
    draw_panel,
    exclude_recent_servers,
    verify_draw,
)
from tally.sortition_cells import PanelSpace, below_big
from tally.sortition_inputs import cells_for
from tally.sortition_uniform import draw_uniformly


def branch_pool() -> tuple[Member, ...]:
    """Twelve volunteers of a branch: gender and age band."""
    rows = [
        ("ana", "woman", "18-34"),
        ("bea", "woman", "35-59"),
        ("cat", "woman", "60+"),
        ("dee", "woman", "18-34"),
        ("eve", "woman", "35-59"),
        ("fay", "nonbinary", "18-34"),
        ("gus", "man", "60+"),
        ("hal", "man", "35-59"),
        ("ian", "man", "18-34"),
        ("jon", "man", "60+"),
        ("kim", "man", "35-59"),
        ("lee", "man", "60+"),
    ]
    return tuple(Member(i, {"gender": g, "age": a}) for i, g, a in rows)


BRANCH_QUOTAS = (
    Quota("gender", "woman", 3, 4),
    Quota("gender", "man", 2, 3),
    Quota("age", "18-34", 1),
    Quota("age", "60+", 1, 2),
)


def branch_inputs(method: Method = Method.UNIFORM) -> DrawInputs:
    return DrawInputs(branch_pool(), 6, BRANCH_QUOTAS, method)


def seated(inputs: DrawInputs, panel: tuple[str, ...], feature: str, value: str) -> int:
    by_id = {m.id: m for m in inputs.pool}
    return sum(1 for i in panel if by_id[i].features[feature] == value)


@pytest.mark.parametrize("method", [Method.UNIFORM, Method.SEQUENTIAL])
def test_same_seed_gives_the_same_panel_and_draws(method):
    first = draw_panel(branch_inputs(method), "2026-11-21 lottery 4 17 23 31 42 49")
    again = draw_panel(branch_inputs(method), b"2026-11-21 lottery 4 17 23 31 42 49")
    assert first == again
    assert len(first.panel) == 6
    assert first.draws


@pytest.mark.parametrize("method", [Method.UNIFORM, Method.SEQUENTIAL])
def test_different_seeds_give_different_panels(method):
    panels = {frozenset(draw_panel(branch_inputs(method), f"seed {k}").panel) for k in range(20)}
    assert len(panels) >= 12


@pytest.mark.parametrize("method", [Method.UNIFORM, Method.SEQUENTIAL])
def test_every_quota_holds_on_the_panel(method):
    inputs = branch_inputs(method)
    for k in range(30):
        panel = draw_panel(inputs, f"quota {k}").panel
        assert 3 <= seated(inputs, panel, "gender", "woman") <= 4
        assert 2 <= seated(inputs, panel, "gender", "man") <= 3
        assert seated(inputs, panel, "age", "18-34") >= 1
        assert 1 <= seated(inputs, panel, "age", "60+") <= 2


def test_uniform_result_reports_the_number_of_possible_panels():
    # Women 3-4, men 2-3, nonbinary the rest; 18-34 at least 1; 60+ 1-2. Counted by hand
    # below by brute force over all C(12, 6) = 924 panels.
    from itertools import combinations

    inputs = branch_inputs()
    feasible = 0
    for panel in combinations([m.id for m in inputs.pool], 6):
        w = seated(inputs, panel, "gender", "woman")
        m = seated(inputs, panel, "gender", "man")
        young = seated(inputs, panel, "age", "18-34")
        old = seated(inputs, panel, "age", "60+")
        feasible += 3 <= w <= 4 and 2 <= m <= 3 and young >= 1 and 1 <= old <= 2
    assert draw_panel(inputs, "count").panels_possible == feasible


def test_listing_order_changes_neither_digest_nor_panel():
    inputs = branch_inputs()
    shuffled = DrawInputs(
        tuple(reversed(inputs.pool)), inputs.seats, tuple(reversed(inputs.quotas)), inputs.method
    )
    assert shuffled.digest() == inputs.digest()
    assert draw_panel(shuffled, "order").panel == draw_panel(inputs, "order").panel


def test_faithful_result_verifies_after_a_json_round_trip():
    inputs = branch_inputs()
    result = draw_panel(inputs, "verify me")
    text = json.dumps(result.to_dict(), sort_keys=True)
    again = DrawResult.from_dict(json.loads(text))
    assert again == result
    assert verify_draw(inputs, again) == []
    assert json.loads(text)["seed_text"] == "verify me"
    assert again.counted_features == ("age", "gender")
    assert again.trials == 1
    back = DrawInputs.from_dict(json.loads(json.dumps(inputs.to_dict())))
    assert back.digest() == inputs.digest()


def test_changed_pool_entry_changes_digest_and_fails_verification():
    inputs = branch_inputs()
    result = draw_panel(inputs, "tamper")
    pool = list(inputs.pool)
    pool[0] = Member("ana", {"gender": "woman", "age": "35-59"})
    changed = DrawInputs(tuple(pool), inputs.seats, inputs.quotas, inputs.method)
    assert changed.digest() != inputs.digest()
    problems = verify_draw(changed, result)
    assert any("digest" in p for p in problems)


def test_swapped_panel_member_is_reported():
    inputs = branch_inputs()
    result = draw_panel(inputs, "swap")
    outsider = next(m.id for m in inputs.pool if m.id not in result.panel)
    forged = replace(result, panel=(*result.panel[:-1], outsider))
    problems = verify_draw(inputs, forged)
    assert any("re-running the draw gives the panel" in p for p in problems)


def test_panel_breaking_a_quota_is_named():
    inputs = branch_inputs()
    result = draw_panel(inputs, "break")
    men = [m.id for m in inputs.pool if m.features["gender"] == "man"]
    forged = replace(result, panel=tuple(men[:6]))
    problems = verify_draw(inputs, forged)
    assert "gender=woman has 0 on the panel, below the minimum 3" in problems
    assert "gender=man has 6 on the panel, above the maximum 3" in problems


def pool_of(*rows: tuple[str, str, str]) -> tuple[Member, ...]:
    return tuple(Member(i, {"gender": g, "age": a}) for i, g, a in rows)


SMALL = pool_of(
    ("a", "woman", "young"),
    ("b", "woman", "young"),
    ("c", "woman", "young"),
    ("d", "man", "old"),
    ("e", "man", "old"),
    ("f", "man", "young"),
)


@pytest.mark.parametrize(
    ("seats", "quotas", "message"),
    [
        (7, (), "7 seats but only 6 members in the pool"),
        (4, (Quota("gender", "woman", 4),), "gender=woman needs at least 4 but only 3 in the pool"),
        (2, (Quota("gender", "man", 3),), "gender=man needs at least 3 but there are only 2 seats"),
        (3, (Quota("gender", "man", 2, 1),), "gender=man has minimum 2 above maximum 1"),
        (
            3,
            (Quota("gender", "woman", 2), Quota("gender", "man", 2)),
            "the minimums for gender add up to 4 but there are only 3 seats",
        ),
        (
            4,
            (Quota("gender", "woman", 0, 1), Quota("gender", "man", 0, 2)),
            "the maximums for gender allow at most 3 of the 4 seats",
        ),
    ],
)
def test_infeasible_quotas_are_named_before_drawing(seats, quotas, message):
    inputs = DrawInputs(SMALL, seats, quotas)
    with pytest.raises(InfeasibleQuotas) as caught:
        draw_panel(inputs, "never drawn")
    assert str(caught.value) == message


def test_conflicting_combination_names_just_the_conflicting_quotas():
    # Every woman is young, so two women and at most one young member cannot both hold;
    # the age=old quota is innocent and must not be named.
    quotas = (
        Quota("gender", "woman", 2),
        Quota("age", "young", 0, 1),
        Quota("age", "old", 0, 2),
    )
    with pytest.raises(InfeasibleQuotas) as caught:
        draw_panel(DrawInputs(SMALL, 3, quotas), "never drawn")
    assert str(caught.value) == (
        "no panel meets these quotas together: age=young at most 1; gender=woman at least 2"
    )
    assert {q.label for q in caught.value.quotas} == {"age=young", "gender=woman"}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: DrawInputs(SMALL, 0), "seats must be a whole number"),
        (lambda: DrawInputs((*SMALL, SMALL[0]), 2), "member a appears twice"),
        (
            lambda: DrawInputs(SMALL, 2, (Quota("region", "north", 1),)),
            "member a has no region",
        ),
        (
            lambda: DrawInputs(SMALL, 2, (Quota("gender", "man", 1), Quota("gender", "man", 0, 2))),
            "two quotas for gender=man",
        ),
        (lambda: DrawInputs(SMALL, 2, (Quota("gender", "man", -1),)), "min must be a whole"),
        (lambda: Quota("gender", "man", 0, 2.5), "max must be a whole number"),  # type: ignore[arg-type]
        (lambda: DrawInputs((Member("x", {"age": 30}),), 1), "features are text"),  # type: ignore[dict-item]
    ],
)
def test_malformed_inputs_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_recent_servers_are_excluded_and_listed():
    eligible = exclude_recent_servers(SMALL, ["e", "zz-not-in-pool", "b"])
    assert [m.id for m in eligible.pool] == ["a", "c", "d", "f"]
    assert eligible.excluded == ("b", "e")


def test_uniform_count_past_its_budget_says_so():
    inputs = branch_inputs()
    with pytest.raises(DrawTooLarge, match="more than 5 states"):
        cells_for(inputs).space.count(state_budget=5)


def test_big_draws_are_uniform_integers_below_numbers_past_two_to_the_256():
    n = 3**200  # about 2**317
    lot = Lot("big")
    values = [below_big(lot, n) for _ in range(5)]
    assert all(0 <= v < n for v in values)
    assert len(set(values)) == 5
    # Each value uses ceil(317 / 256) + 1 = 3 raw blocks, recorded as draws below 2**256.
    assert len(lot.draws) == 15
    assert {d.n for d in lot.draws} == {2**256}
    again = Lot("big")
    assert [below_big(again, n) for _ in range(5)] == values


def test_minimum_on_a_value_nobody_has_is_infeasible_in_the_arithmetic_too():
    space = PanelSpace([("a",), ("b",)], [2, 2], {(0, "c"): (1, None)}, 2)
    assert space.count().total == 0
    assert space.completion([0, 0]) is None


def test_draws_are_pinned_so_past_draws_stay_reproducible():
    # A change to the methods that altered these would break the re-run of every past draw.
    uniform = draw_panel(branch_inputs(Method.UNIFORM), "pinned 2026")
    assert uniform.panel == ("ian", "cat", "gus", "bea", "fay", "dee")
    assert uniform.panels_possible == 309
    assert uniform.inputs_digest == (
        "cf726fdcc8b3bc1963816fa1e1e34c041b0913d7228a0cdbdee570e904d861e5"
    )
    sequential = draw_panel(branch_inputs(Method.SEQUENTIAL), "pinned 2026")
    assert sequential.panel == ("cat", "hal", "kim", "gus", "dee", "ana")


def test_malformed_result_dict_is_a_value_error():
    data = draw_panel(branch_inputs(), "malformed").to_dict()
    del data["panel"]
    with pytest.raises(ValueError, match="not a well-formed sortition result"):
        DrawResult.from_dict(data)


def test_uniform_draw_that_cannot_count_even_one_feature_points_to_sequential():
    with pytest.raises(DrawTooLarge, match="'sequential' method can draw it"):
        draw_uniformly(branch_inputs(), Lot("tiny budget"), state_budget=1)


def test_uniform_draw_gives_up_after_its_trials_and_points_to_sequential(monkeypatch):
    from tests.tally.test_sortition_uniformity import MIXED, MIXED_QUOTAS

    inputs = DrawInputs(MIXED, 3, MIXED_QUOTAS)
    # With this seed the first panel drawn on the age quota alone breaks "man at least 1".
    assert draw_uniformly(inputs, Lot("reject 1"), state_budget=6).trials == 2
    monkeypatch.setattr(sortition_uniform, "MAX_TRIALS", 1)
    with pytest.raises(DrawTooLarge, match="none of 1 panels drawn uniformly"):
        draw_uniformly(inputs, Lot("reject 1"), state_budget=6)
