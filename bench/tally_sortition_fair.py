"""Selection probabilities of a fair (maximin) draw on a 1,000-volunteer pool, and the solve time.

Issue 18, "Fairness": the pool is drawn like ``tests/tally/test_sortition_scale.py``'s national
pool (gender, age band, neighbourhood and ethnicity; quotas within a seat of proportional on
every value) but of 1,000 volunteers, for 30 seats. Prints the lowest and highest chance any
volunteer has in the published 10,000-panel lottery (exact fractions from the portfolio), the
LP's own optimum before rounding, ``seats / pool`` (what everyone would have with no quotas, so
the most the lowest chance can be), the number of panel kinds, and processor seconds for the
solve. ``--quick``: 300 volunteers, 12 seats.

Run: ``.venv/bin/python bench/tally_sortition_fair.py [--quick]``
"""

from __future__ import annotations

import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tally.sortition import DrawInputs, Member, Method, Quota, draw_panel, verify_draw
from tally.sortition_maximin import solve_maximin
from tests.tally.test_sortition_scale import FEATURES


def pool(volunteers: int, seats: int) -> DrawInputs:
    """``volunteers`` with four features; quotas within one seat of proportional."""
    rng = random.Random(20261202)
    members = tuple(
        Member(
            f"p{k:05d}",
            {name: rng.choices(values, weights)[0] for name, values, weights in FEATURES},
        )
        for k in range(volunteers)
    )
    quotas = []
    for name, values, weights in FEATURES:
        for value, weight in zip(values, weights, strict=True):
            share = seats * weight // sum(weights)
            quotas.append(Quota(name, value, max(0, share - 1), share + 2))
    return DrawInputs(members, seats, tuple(quotas), Method.MAXIMIN)


def main(argv: list[str]) -> int:
    volunteers, seats = (300, 12) if "--quick" in argv else (1000, 30)
    inputs = pool(volunteers, seats)
    started = time.process_time()
    portfolio = solve_maximin(inputs)
    solved = time.process_time() - started
    chances = portfolio.cell_chances()
    low, high = min(chances), max(chances)
    started = time.process_time()
    result = draw_panel(inputs, b"bench", portfolio)
    problems = verify_draw(inputs, result, portfolio)
    checked = time.process_time() - started
    print(f"pool {volunteers}, {seats} seats, four features, {len(portfolio.sizes)} cells")
    print(f"lowest chance   {float(low):.4f}  ({low})")
    print(f"highest chance  {float(high):.4f}  ({high})")
    lp = portfolio.solver["lp_lowest_chance"]
    print(f"LP optimum      {lp} (before rounding to {portfolio.panels})")
    print(f"seats / pool    {float(Fraction(seats, volunteers)):.4f}")
    print(f"panel kinds     {len(portfolio.profiles)} in a lottery of {portfolio.panels}")
    print(f"solve           {solved:.2f} s processor ({portfolio.solver['rounds']} rounds)")
    print(f"draw + verify   {checked:.2f} s processor, {problems or 'OK'}")
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
