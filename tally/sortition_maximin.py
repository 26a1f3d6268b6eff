"""The ``maximin`` sortition method: the worst-off volunteer's chance as high as the quotas allow.

Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair algorithms for selecting citizens'
assemblies", Nature 596 (2021): choose a probability distribution over the panels that meet
the quotas so that the smallest selection probability of any pool member is as large as
possible, then draw a panel from it. Here it runs on cells (``tally.sortition_inputs``): the
members of a cell are interchangeable to the quotas, so a distribution over cell counts, with
members drawn uniformly inside each cell, reaches the same optimum (averaging any optimal
distribution over the permutations inside cells keeps it optimal) with far fewer variables.

Column generation, as in the paper's ``maximin`` (and in ``sortition-algorithms``):

- the master LP, over the profiles found so far: maximise ``t`` subject to
  ``Σ_j λ_j x_j[c] / size[c] ≥ t`` for every cell, ``Σ λ_j = 1``, ``λ ≥ 0``;
- its duals ``y`` (one per cell) price a new profile: the integer program "cell counts
  meeting every quota that maximise ``Σ_c y[c] x[c] / size[c]``". Its value bounds the
  optimum from above; while it beats ``t`` the profile joins the master, else ``t`` is optimal.

Both are solved by HiGHS (``highspy``, an optional dependency: it is needed to make a
portfolio, never to check one). The distribution is then rounded to ``panels`` lottery tickets
(``M``, 10,000 by default; ``_round`` says how) and published as a
``tally.sortition_portfolio.Portfolio``: its exact chances are what the lottery gives. The
portfolio is committed with the pool, so the solver's output cannot be picked after the
randomness is known; leximin (the paper's refinement, raising the second-worst-off and so on)
is not done yet.

Cost: one small integer program per profile tried and one LP per round; measured in
``bench/tally_sortition_fair.py`` (1,000 volunteers, four features).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tally.sortition_inputs import Cells, DrawInputs, cells_for, check_quotas
from tally.sortition_portfolio import Portfolio

try:  # the solver is optional: checking a published portfolio needs only the standard library
    import highspy

    _highspy: Any = highspy
except ImportError:  # pragma: no cover - exercised where highspy is not installed
    _highspy = None

__all__ = ["DEFAULT_PANELS", "SolverMissing", "solve_maximin"]

DEFAULT_PANELS = 10_000
"""Lottery tickets the distribution is rounded to: with 1,000 the chances of volunteers alone
in their cell move in steps of 1/1,000 (on the bench pool 0.039 to 0.044 where the LP gives
everyone 0.040); with 10,000, 0.0399 to 0.0404."""

_TOLERANCE = 1e-9
_MAX_ROUNDS = 5000


class SolverMissing(RuntimeError):
    """The LP solver (``highspy``) is not installed, so no portfolio can be made here."""


def _highs() -> Any:
    if _highspy is None:
        raise SolverMissing(
            "the maximin method needs the HiGHS solver: pip install highspy "
            "(checking a published draw does not)"
        )
    solver = _highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("random_seed", 0)
    solver.setOptionValue("threads", 1)
    return solver


class _Pricer:
    """The integer program over cell counts, built once; ``best(weights)`` re-solves it."""

    def __init__(self, cells: Cells, seats: int) -> None:
        space = cells.space
        self.sizes = [len(ids) for ids in cells.members]
        self.solver = solver = _highs()
        inf = _highspy.kHighsInf if _highspy is not None else 1e30
        count = len(self.sizes)
        for size in self.sizes:
            solver.addVar(0.0, float(size))
        solver.changeColsIntegrality(
            count, list(range(count)), [_highspy.HighsVarType.kInteger] * count
        )
        solver.addRow(float(seats), float(seats), count, list(range(count)), [1.0] * count)
        for d, bound in enumerate(space.bounds):
            members = [c for c in range(count) if d in space.cell_bounds[c]]
            high = inf if bound.high is None else float(bound.high)
            solver.addRow(float(bound.low), high, len(members), members, [1.0] * len(members))
        solver.changeObjectiveSense(_highspy.ObjSense.kMaximize)

    def best(self, weights: list[float]) -> tuple[tuple[int, ...], float]:
        """The quota-meeting cell counts of largest ``Σ weights[c] × x[c]``, and that sum."""
        count = len(self.sizes)
        self.solver.changeColsCost(count, list(range(count)), weights)
        self.solver.run()
        values = self.solver.getSolution().col_value
        profile = tuple(round(v) for v in values)
        return profile, sum(w * x for w, x in zip(weights, profile, strict=True))


class _Master:
    """The master LP over the profiles found so far, kept between rounds (HiGHS warm-starts
    from the last basis when a column is added)."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.solver = solver = _highs()
        self.inf = inf = _highspy.kHighsInf if _highspy is not None else 1e30
        cells = len(sizes)
        for _ in range(cells):
            solver.addRow(0.0, inf, 0, [], [])
        solver.addRow(1.0, 1.0, 0, [], [])
        solver.addCol(1.0, -inf, inf, cells, list(range(cells)), [-1.0] * cells)  # t
        solver.changeObjectiveSense(_highspy.ObjSense.kMaximize)

    def add(self, profile: tuple[int, ...]) -> None:
        cells = len(self.sizes)
        rows = [c for c in range(cells) if profile[c]]
        values = [profile[c] / self.sizes[c] for c in rows]
        self.solver.addCol(0.0, 0.0, self.inf, len(rows) + 1, [*rows, cells], [*values, 1.0])

    def solve(self) -> tuple[float, list[float], list[float]]:
        """``(t, λ per profile in the order added, y per cell)``."""
        self.solver.run()
        solution = self.solver.getSolution()
        cells = len(self.sizes)
        weights = [abs(solution.row_dual[c]) for c in range(cells)]
        total = sum(weights) or 1.0
        values = list(solution.col_value)
        return values[0], values[1:], [w / total for w in weights]


def _round(
    shares: list[float], profiles: list[tuple[int, ...]], sizes: list[int], panels: int
) -> list[int]:
    """``panels`` tickets for the profiles, near ``shares × panels``, keeping the lowest chance
    high: each profile first gets the whole part of its share, then the tickets left go one by
    one to the profile that seats the most of the members now worst off (weighted by their
    cells' sizes; ties to the larger remainder, then the earlier profile). Integer arithmetic
    after the whole parts, so the result depends only on them. Cost: O(left × profiles ×
    cells)."""
    total = sum(max(0.0, s) for s in shares) or 1.0
    exact = [max(0.0, s) / total * panels for s in shares]
    copies = [int(e) for e in exact]
    seated = [
        sum(m * p[c] for p, m in zip(profiles, copies, strict=True)) for c in range(len(sizes))
    ]
    for _ in range(panels - sum(copies)):
        # The worst-off cells: lowest seated / size, compared exactly.
        low = min(range(len(sizes)), key=lambda c: Fraction(seated[c], sizes[c]))
        worst = [c for c in range(len(sizes)) if seated[c] * sizes[low] == seated[low] * sizes[c]]
        scores = [
            (sum(profiles[j][c] / sizes[c] for c in worst), exact[j] - copies[j], -j)
            for j in range(len(profiles))
        ]
        best = max(range(len(profiles)), key=scores.__getitem__)
        copies[best] += 1
        for c, x in enumerate(profiles[best]):
            seated[c] += x
    return copies


def solve_maximin(inputs: DrawInputs, panels: int = DEFAULT_PANELS) -> Portfolio:
    """The maximin portfolio for ``inputs`` (see the module docstring), rounded to ``panels``.

    Raises ``InfeasibleQuotas`` when no panel meets the quotas, ``SolverMissing`` without
    ``highspy``. Cost: column generation, one integer program and one LP per round.
    """
    check_quotas(inputs)
    cells = cells_for(inputs)
    sizes = [len(ids) for ids in cells.members]
    pricer = _Pricer(cells, inputs.seats)
    profiles: list[tuple[int, ...]] = []
    for c, size in enumerate(sizes):  # a first profile that seats each cell as much as it can
        weights = [1e-3 / n for n in sizes]
        weights[c] = 1.0 / size
        profile, _ = pricer.best(weights)
        if profile not in profiles:
            profiles.append(profile)
    master = _Master(sizes)
    for profile in profiles:
        master.add(profile)
    rounds = 0
    while True:
        rounds += 1
        t, shares, duals = master.solve()
        profile, value = pricer.best([y / n for y, n in zip(duals, sizes, strict=True)])
        if value <= t + _TOLERANCE or profile in profiles or rounds >= _MAX_ROUNDS:
            break
        profiles.append(profile)
        master.add(profile)
    kept = [(p, s) for p, s in zip(profiles, shares, strict=True) if s > _TOLERANCE]
    kept.sort()
    copies = _round([s for _, s in kept], [p for p, _ in kept], sizes, panels)
    chosen = [(p, m) for (p, _), m in zip(kept, copies, strict=True) if m > 0]
    return Portfolio(
        method=inputs.method.value,
        panels=panels,
        features=cells.features,
        keys=tuple(cells.space.keys),
        sizes=tuple(sizes),
        profiles=tuple(p for p, _ in chosen),
        copies=tuple(m for _, m in chosen),
        solver={
            "solver": "HiGHS (highspy), column generation",
            "lp_lowest_chance": f"{t:.9f}",
            "upper_bound": f"{value:.9f}",
            "rounds": str(rounds),
            "profiles_tried": str(len(profiles)),
        },
    )
