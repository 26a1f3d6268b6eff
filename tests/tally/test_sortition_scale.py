"""Draws on a pool of 10,000 with quotas on every value of up to four features.

How long they take is measured by ``bench/tally_sortition_speed.py``, not here."""

import random

import pytest

from tally.sortition import DrawInputs, Member, Method, Quota, draw_panel, verify_draw

FEATURES = [
    ("gender", ["woman", "man", "nonbinary"], [48, 48, 4]),
    ("age", ["16-17", "18-29", "30-44", "45-59", "60-74", "75+"], [3, 20, 25, 25, 20, 7]),
    ("neighbourhood", [f"n{i:02d}" for i in range(12)], [1] * 12),
    ("ethnicity", ["a", "b", "c", "d", "e"], [70, 12, 8, 6, 4]),
]


def national_pool(features: int, seats: int, method: Method) -> DrawInputs:
    """10,000 volunteers; quotas within one seat either side of proportional on every value."""
    rng = random.Random(20261121)
    chosen = FEATURES[:features]
    pool = tuple(
        Member(
            f"p{k:05d}", {name: rng.choices(values, weights)[0] for name, values, weights in chosen}
        )
        for k in range(10_000)
    )
    quotas = []
    for name, values, weights in chosen:
        for value, weight in zip(values, weights, strict=True):
            share = seats * weight // sum(weights)
            quotas.append(Quota(name, value, max(0, share - 1), share + 2))
    return DrawInputs(pool, seats, tuple(quotas), method)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("features", "seats", "method"),
    [(2, 30, Method.UNIFORM), (4, 30, Method.UNIFORM), (4, 30, Method.SEQUENTIAL)],
)
def test_large_pool_draw_meets_quotas_and_verifies(features, seats, method):
    inputs = national_pool(features, seats, method)
    result = draw_panel(inputs, "national assembly 2027")
    assert len(result.panel) == seats
    assert verify_draw(inputs, result) == []
    if method is Method.UNIFORM:
        # Two features are counted exactly; with four, the other two are met by rejection.
        assert (result.panels_possible is None) == (features == 4)
        assert result.trials is not None
