"""A published lottery over panels: ``M`` panels, one drawn by index, and everyone's chance.

The fair methods (``tally.sortition_maximin``) end in a **portfolio**, fixed and published
with the commitment before the randomness exists: the pool split into cells (members who look
alike to the quotas, ``tally.sortition_inputs.cells_for``), and ``M`` panels given as cell
counts (how many to take from each cell), each with a number of ``copies``, ``Σ copies = M``.
The draw is then a transparent lottery, with ``tally.lot.Lot`` seeded as every draw is:

1. ``k = below(M)``; the profile drawn is the one whose copies cover ``k`` when the profiles
   are taken in the published order (sorted by their counts);
2. from each cell in order, ``sample(cell's member ids sorted, count)``;
3. the panel is put in a random order by ``shuffle``.

So member ``i`` of cell ``c`` is seated with probability exactly
``Σ_profiles copies × count[c] / (M × size[c])``: a fraction anyone can recompute from the
portfolio alone, with the standard library (``probabilities``), and ``portfolio_problems``
checks that every profile meets every quota. Issue 18, "Fairness".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Self

from tally.lot import Lot
from tally.sortition_inputs import DrawInputs, cells_for

__all__ = [
    "PORTFOLIO_FORMAT",
    "Portfolio",
    "draw_from_portfolio",
    "portfolio_problems",
]

PORTFOLIO_FORMAT = "plenary-sortition-portfolio/1"


@dataclass(frozen=True, slots=True)
class Portfolio:
    """``profiles[j]`` takes ``profiles[j][c]`` members from cell ``c`` (cells as
    ``cells_for(inputs)`` orders them, with ``keys`` and ``sizes``); ``copies[j]`` of the
    ``panels`` lottery tickets are profile ``j``. ``method`` and ``solver`` say how it was made
    (``solver`` holds the solver's own figures, for people; they are not checked)."""

    method: str
    panels: int
    features: tuple[str, ...]
    keys: tuple[tuple[str, ...], ...]
    sizes: tuple[int, ...]
    profiles: tuple[tuple[int, ...], ...]
    copies: tuple[int, ...]
    solver: Mapping[str, str]

    def cell_chances(self) -> list[Fraction]:
        """Each cell's members' chance of a seat (the same for every member of a cell)."""
        chances = []
        for c, size in enumerate(self.sizes):
            seated = sum(m * p[c] for p, m in zip(self.profiles, self.copies, strict=True))
            chances.append(Fraction(seated, self.panels * size))
        return chances

    def probabilities(self, inputs: DrawInputs) -> dict[str, Fraction]:
        """Every pool member's chance of a seat, by id. Cost: O(pool + profiles × cells)."""
        cells = cells_for(inputs)
        chances = self.cell_chances()
        return {i: chances[c] for c, ids in enumerate(cells.members) for i in ids}

    def to_dict(self) -> dict[str, Any]:
        """The published form; chances are fractions written ``"p/q"``."""
        chances = self.cell_chances()
        return {
            "format": PORTFOLIO_FORMAT,
            "method": self.method,
            "panels": self.panels,
            "features": list(self.features),
            "cells": [
                {"key": list(k), "members": n, "chance": str(chance)}
                for k, n, chance in zip(self.keys, self.sizes, chances, strict=True)
            ],
            "profiles": [
                {"counts": list(p), "copies": m}
                for p, m in zip(self.profiles, self.copies, strict=True)
            ],
            "lowest_chance": str(min(chances, default=Fraction(0))),
            "highest_chance": str(max(chances, default=Fraction(0))),
            "solver": dict(self.solver),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The portfolio ``to_dict`` wrote (its chances are recomputed, not read)."""
        if data.get("format") != PORTFOLIO_FORMAT:
            raise ValueError(f"not a sortition portfolio in format {PORTFOLIO_FORMAT}")
        try:
            return cls(
                method=str(data["method"]),
                panels=int(data["panels"]),
                features=tuple(str(f) for f in data["features"]),
                keys=tuple(tuple(str(v) for v in c["key"]) for c in data["cells"]),
                sizes=tuple(int(c["members"]) for c in data["cells"]),
                profiles=tuple(tuple(int(x) for x in p["counts"]) for p in data["profiles"]),
                copies=tuple(int(p["copies"]) for p in data["profiles"]),
                solver={str(k): str(v) for k, v in dict(data.get("solver", {})).items()},
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a well-formed sortition portfolio: {error}") from error

    def digest(self) -> str:
        """SHA-256 (hex) of the published form, keys sorted, no whitespace, UTF-8."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def portfolio_problems(inputs: DrawInputs, portfolio: Portfolio) -> list[str]:
    """What is wrong with ``portfolio`` as a lottery over panels of ``inputs``; empty when
    nothing: the cells must be the pool's, the profiles sorted and distinct, each of
    ``seats`` members within its cells and meeting every quota, the copies positive and adding
    up to ``panels``. Cost: O(profiles × (cells + quotas))."""
    cells = cells_for(inputs)
    problems = []
    if portfolio.method != inputs.method.value:
        problems.append(f"the portfolio is for method {portfolio.method}, not {inputs.method}")
    keys = tuple(cells.space.keys)
    sizes = tuple(len(ids) for ids in cells.members)
    if (portfolio.features, portfolio.keys, portfolio.sizes) != (cells.features, keys, sizes):
        return [*problems, "the portfolio's cells are not the committed pool's"]
    if portfolio.panels < 1 or sum(portfolio.copies) != portfolio.panels:
        problems.append(
            f"the profiles' copies add up to {sum(portfolio.copies)}, "
            f"not the {portfolio.panels} panels of the lottery"
        )
    if any(m < 1 for m in portfolio.copies):
        problems.append("every profile must have at least one copy")
    if list(portfolio.profiles) != sorted(set(portfolio.profiles)):
        problems.append("the profiles must be distinct and in sorted order")
    position = {name: i for i, name in enumerate(cells.features)}
    for j, profile in enumerate(portfolio.profiles):
        if len(profile) != len(sizes) or any(
            not 0 <= x <= n for x, n in zip(profile, sizes, strict=False)
        ):
            problems.append(f"profile {j} takes more members from a cell than it has")
            continue
        if sum(profile) != inputs.seats:
            problems.append(f"profile {j} fills {sum(profile)} of the {inputs.seats} seats")
        for q in inputs.quotas:
            seated = sum(
                x for x, k in zip(profile, keys, strict=True) if k[position[q.feature]] == q.value
            )
            if seated < q.min or (q.max is not None and seated > q.max):
                problems.append(
                    f"profile {j} seats {seated} with {q.label}, breaking {q.describe()}"
                )
    return problems


def draw_from_portfolio(
    inputs: DrawInputs, portfolio: Portfolio, lot: Lot
) -> tuple[int, list[str]]:
    """The lottery of the module docstring: the drawn profile's index, and the panel in its
    drawn order. Cost: one draw for the profile, then one per seat and one per seat again for
    the order."""
    cells = cells_for(inputs)
    ticket = lot.below(portfolio.panels)
    index = 0
    for index, copies in enumerate(portfolio.copies):  # noqa: B007 - the index is the answer
        if ticket < copies:
            break
        ticket -= copies
    panel: list[str] = []
    for ids, take in zip(cells.members, portfolio.profiles[index], strict=True):
        if take:
            panel.extend(lot.sample(ids, take))
    return index, lot.shuffle(panel)
