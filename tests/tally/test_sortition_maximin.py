"""The maximin method and its published lottery (issue 18, "Fairness"): fairer than uniform,
every chance exact and re-derivable, and a doctored portfolio caught with the standard library."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from fractions import Fraction
from itertools import combinations
from pathlib import Path

from tally.sortition import (
    DrawInputs,
    DrawResult,
    Member,
    Method,
    Portfolio,
    Quota,
    draw_panel,
    verify_draw,
)
from tally.sortition_maximin import solve_maximin

ROOT = Path(__file__).resolve().parents[2]


def men_and_women(men: int, women: int, seats: int, quotas: tuple[Quota, ...]) -> DrawInputs:
    pool = [Member(f"m{i:02d}", {"gender": "man"}) for i in range(men)]
    pool += [Member(f"w{i:02d}", {"gender": "woman"}) for i in range(women)]
    return DrawInputs(tuple(pool), seats, quotas, Method.MAXIMIN)


def skewed_pool() -> DrawInputs:
    """Two features whose quotas make uniform panels favour some people: 12 volunteers."""
    rows = [
        ("man", "young"),
        ("man", "young"),
        ("man", "old"),
        ("man", "old"),
        ("man", "old"),
        ("man", "old"),
        ("woman", "young"),
        ("woman", "old"),
        ("woman", "old"),
        ("woman", "old"),
        ("woman", "old"),
        ("woman", "old"),
    ]
    pool = tuple(Member(f"p{i:02d}", {"gender": g, "age": a}) for i, (g, a) in enumerate(rows))
    quotas = (
        Quota("gender", "man", 2, 2),
        Quota("gender", "woman", 2, 2),
        Quota("age", "young", 1, None),
    )
    return DrawInputs(pool, 4, quotas, Method.MAXIMIN)


def uniform_chances(inputs: DrawInputs) -> dict[str, Fraction]:
    """Each member's chance under a draw uniform over the quota-meeting panels (brute force)."""
    by_id = {m.id: m for m in inputs.pool}
    panels = []
    for panel in combinations(sorted(by_id), inputs.seats):
        if all(
            q.min
            <= sum(1 for i in panel if by_id[i].features[q.feature] == q.value)
            <= (q.max if q.max is not None else inputs.seats)
            for q in inputs.quotas
        ):
            panels.append(panel)
    seated = Counter(i for panel in panels for i in panel)
    return {i: Fraction(seated[i], len(panels)) for i in by_id}


def test_maximin_gives_the_scarce_group_what_the_quota_forces_and_the_rest_all_that_is_left():
    inputs = men_and_women(2, 8, 3, (Quota("gender", "man", 1, None),))
    portfolio = solve_maximin(inputs)
    chances = portfolio.probabilities(inputs)
    # Every panel seats a man, so each man has at least 1/2; the 8 women share at most 2 seats.
    assert {chances[f"w{i:02d}"] for i in range(8)} == {Fraction(1, 4)}
    assert {chances["m00"], chances["m01"]} == {Fraction(1, 2)}
    assert sum(chances.values()) == 3


def test_maximin_raises_the_worst_off_above_the_uniform_draw():
    inputs = skewed_pool()
    uniform = uniform_chances(inputs)
    fair = solve_maximin(inputs).probabilities(inputs)
    assert min(fair.values()) > min(uniform.values())
    assert max(fair.values()) - min(fair.values()) < max(uniform.values()) - min(uniform.values())
    assert sum(fair.values()) == inputs.seats


def test_the_portfolio_is_a_lottery_over_m_quota_meeting_panels_with_exact_chances():
    inputs = skewed_pool()
    portfolio = solve_maximin(inputs, panels=1000)
    published = portfolio.to_dict()
    assert sum(p["copies"] for p in published["profiles"]) == 1000
    again = Portfolio.from_dict(json.loads(json.dumps(published)))
    assert again == portfolio
    assert again.digest() == portfolio.digest()
    chances = portfolio.cell_chances()
    assert published["lowest_chance"] == str(min(chances))
    assert [c["chance"] for c in published["cells"]] == [str(c) for c in chances]


def test_the_lottery_seats_each_member_as_often_as_the_published_chance_says():
    inputs = skewed_pool()
    portfolio = solve_maximin(inputs, panels=1000)
    chances = portfolio.probabilities(inputs)
    draws = 3000
    seated = Counter(
        i for k in range(draws) for i in draw_panel(inputs, f"lottery {k}", portfolio).panel
    )
    for member, chance in chances.items():
        expected = draws * chance
        spread = (draws * chance * (1 - chance)) ** 0.5
        assert abs(seated[member] - expected) <= 4 * spread + 1, (member, seated[member], chance)


def test_a_maximin_draw_verifies_and_a_doctored_portfolio_is_named():
    inputs = skewed_pool()
    portfolio = solve_maximin(inputs)
    result = draw_panel(inputs, b"beacon", portfolio)
    assert result.portfolio_digest == portfolio.digest()
    assert verify_draw(inputs, result, portfolio) == []
    assert verify_draw(inputs, result) == [
        "a maximin draw needs its committed portfolio to be checked"
    ]

    # One lottery ticket moved: same panels, other chances, another digest.
    moved = replace(portfolio, copies=(portfolio.copies[0] + 1, *portfolio.copies[1:]))
    problems = verify_draw(inputs, result, moved)
    assert any(f"copies add up to {portfolio.panels + 1}" in p for p in problems)

    # A profile that breaks a quota: four men (cells: old men, young men, old women, young women).
    assert portfolio.keys[:2] == (("man", "old"), ("man", "young"))
    rigged = replace(portfolio, profiles=((2, 2, 0, 0),), copies=(portfolio.panels,))
    problems = verify_draw(inputs, result, rigged)
    assert "profile 0 seats 4 with gender=man, breaking gender=man between 2 and 2" in problems

    # A sound portfolio, but not the one the draw was made from.
    other = solve_maximin(replace(inputs, seats=4), panels=999)
    problems = verify_draw(inputs, result, other)
    assert any("the draw was made from a portfolio with digest" in p for p in problems)


def test_checking_a_maximin_draw_needs_only_the_standard_library(tmp_path: Path):
    inputs = skewed_pool()
    portfolio = solve_maximin(inputs)
    result = draw_panel(inputs, b"beacon", portfolio)
    saved = tmp_path / "draw.json"
    saved.write_text(
        json.dumps(
            {
                "inputs": inputs.to_dict(),
                "result": result.to_dict(),
                "portfolio": portfolio.to_dict(),
            }
        )
    )
    code = f"""
import json, sys
sys.modules["highspy"] = None  # as on an auditor's machine without the solver
from tally.sortition import DrawInputs, DrawResult, Portfolio, verify_draw
from tally.sortition_maximin import SolverMissing, solve_maximin
data = json.load(open({str(saved)!r}))
inputs = DrawInputs.from_dict(data["inputs"])
result = DrawResult.from_dict(data["result"])
problems = verify_draw(inputs, result, Portfolio.from_dict(data["portfolio"]))
try:
    solve_maximin(inputs)
    made = "solved"
except SolverMissing as error:
    made = str(error)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "highspy", "scipy"))
print(json.dumps([problems, made, loaded]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    problems, made, loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert problems == []
    assert "needs the HiGHS solver" in made
    assert loaded == ["highspy"]  # only the blocked entry itself
    assert DrawResult.from_dict(result.to_dict()) == result
