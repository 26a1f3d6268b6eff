"""Sortition: draw a panel by lot that meets every quota, so that anyone can re-run the draw.

Follows DESIGN.md "Sortition" and issue 3 "Sortition draw". The inputs (pool, seats, quotas,
method; ``tally.sortition_inputs``) are committed by their digest before the seed is known;
the seed then drives ``tally.lot.Lot``, the only source of randomness, and the result records
the seed, the digest and every draw, so ``verify_draw`` can repeat the draw and compare.

Two methods, named in the inputs (and so in the digest):

``uniform`` (the default) — **every panel that meets the quotas is equally likely.** The
  panels meeting the quotas of as many features as fit a budget are counted exactly
  (``tally.sortition_cells``: dynamic programming over cells of members who look alike to the
  quotas, with exact integers), one of them is drawn with every counted panel equally likely,
  and it is drawn again while it breaks a quota of a feature that was not counted (rejection
  sampling, which keeps the draw uniform among the panels meeting every quota); finally the
  panel's order is shuffled, so the listed order is uniformly random too. When every feature
  was counted, ``panels_possible`` is the number of quota-respecting panels and each had
  probability exactly ``1 / panels_possible``. Steps in ``tally.sortition_uniform``. Limits:
  the count stops at ``DEFAULT_STATE_BUDGET`` states, and the rejection at ``MAX_TRIALS``
  panels, both with ``DrawTooLarge``. Measured here, pool of 10,000, quotas on every value
  (from one below to two above proportional), features gender (3 values), age band (6), 12
  neighbourhoods and 5 ethnic groups: gender and age, 30 seats: 0.4 s, all counted, 60 seats:
  1.2 s; all four, 30 seats: 2.7 s (neighbourhood and gender counted, 9 panels drawn); all
  four, 60 seats: 0.9 s (278 panels drawn, 24,043 draws recorded); all four, 100 seats:
  ``DrawTooLarge`` after 2,000 rejected panels (5 s). A rehearsal with a practice seed shows
  beforehand how many panels a draw needs (``trials``).

``sequential`` — for structures too large to count: at each of the ``seats`` steps, one member
  is chosen uniformly among all members not yet chosen **whose selection still leaves a
  panel meeting every quota possible** (decided exactly by search). Every quota-respecting
  panel can come out, but not with equal probability: a member of a group the quotas make
  scarce is picked by necessity, late in the draw, so panels differ in probability by the
  number of orders that reach them. For instance from 2 men and 8 women, 3 seats, "man at
  least 1": uniformly, both men sit with probability 1/8 (8 of the 64 possible panels); the
  sequential draw seats both with probability 1/15. It is the "keep feasible, pick uniformly"
  sequential draw, not a uniform one; the result says which method was used. Steps in
  ``tally.sortition_sequential``. Cost: a few searches per seat (most answered by a
  remembered completion); measured on the four-feature pool above: 30 seats in 0.3 s, 60
  seats in 1.2 s, 100 seats in 1.9 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from tally.lot import Draw, Lot
from tally.sortition_inputs import (
    DrawInputs,
    DrawTooLarge,
    Eligibility,
    InfeasibleQuotas,
    Member,
    Method,
    Quota,
    cells_for,
    check_quotas,
    check_rules,
    exclude_recent_servers,
)
from tally.sortition_portfolio import Portfolio, draw_from_portfolio, portfolio_problems
from tally.sortition_sequential import draw_sequentially
from tally.sortition_uniform import draw_uniformly

__all__ = [
    "RESULT_FORMAT",
    "DrawInputs",
    "DrawResult",
    "DrawTooLarge",
    "Eligibility",
    "InfeasibleQuotas",
    "Member",
    "Method",
    "Portfolio",
    "Quota",
    "check_quotas",
    "check_rules",
    "draw_panel",
    "exclude_recent_servers",
    "verify_draw",
]

RESULT_FORMAT = "plenary-sortition-result/1"


@dataclass(frozen=True, slots=True)
class DrawResult:
    """A panel and everything needed to re-run and check it.

    ``panel`` lists member ids in draw order; ``draws`` are every ``Lot`` draw in order. For
    ``uniform`` only (``None`` or empty for ``sequential``): ``counted_features`` are the
    features whose quotas were counted exactly, ``panels_counted`` the number of panels
    meeting those quotas, ``trials`` how many panels were drawn from them before one met every
    quota, and ``panels_possible`` the number of panels meeting every quota when all features
    were counted (each had probability ``1 / panels_possible``).
    """

    method: Method
    seats: int
    inputs_digest: str
    seed: bytes
    panel: tuple[str, ...]
    draws: tuple[Draw, ...]
    counted_features: tuple[str, ...] = ()
    panels_counted: int | None = None
    trials: int | None = None
    panels_possible: int | None = None
    portfolio_digest: str | None = None
    profile: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; big numbers (draw bounds, panel counts) are decimal strings."""
        return {
            "format": RESULT_FORMAT,
            "method": self.method.value,
            "seats": self.seats,
            "inputs_digest": self.inputs_digest,
            "seed_hex": self.seed.hex(),
            "seed_text": _as_text(self.seed),
            "panel": list(self.panel),
            "draws": [
                {"counter": d.counter, "n": str(d.n), "value": str(d.value)} for d in self.draws
            ],
            "counted_features": list(self.counted_features),
            "panels_counted": None if self.panels_counted is None else str(self.panels_counted),
            "trials": self.trials,
            "panels_possible": None if self.panels_possible is None else str(self.panels_possible),
            "portfolio_digest": self.portfolio_digest,
            "profile": self.profile,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The result ``to_dict`` wrote."""
        if data.get("format") != RESULT_FORMAT:
            raise ValueError(f"not a sortition result in format {RESULT_FORMAT}")
        try:
            counted = data.get("panels_counted")
            trials = data.get("trials")
            possible = data.get("panels_possible")
            profile = data.get("profile")
            digest = data.get("portfolio_digest")
            return cls(
                method=Method(data["method"]),
                seats=int(data["seats"]),
                inputs_digest=str(data["inputs_digest"]),
                seed=bytes.fromhex(data["seed_hex"]),
                panel=tuple(str(i) for i in data["panel"]),
                draws=tuple(
                    Draw(counter=int(d["counter"]), n=int(d["n"]), value=int(d["value"]))
                    for d in data["draws"]
                ),
                counted_features=tuple(str(f) for f in data.get("counted_features", ())),
                panels_counted=None if counted is None else int(counted),
                trials=None if trials is None else int(trials),
                panels_possible=None if possible is None else int(possible),
                portfolio_digest=None if digest is None else str(digest),
                profile=None if profile is None else int(profile),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a well-formed sortition result: {error}") from error


def _as_text(seed: bytes) -> str | None:
    """The seed as text when it is UTF-8 (for people to read; ``seed_hex`` is what counts)."""
    try:
        return seed.decode("utf-8")
    except UnicodeDecodeError:
        return None


def draw_panel(
    inputs: DrawInputs, seed: bytes | str, portfolio: Portfolio | None = None
) -> DrawResult:
    """Draw a panel meeting every quota, deterministically from ``seed``.

    Checks the quotas first (``check_quotas``: ``InfeasibleQuotas`` names the quota), then
    draws by ``inputs.method`` (see the module docstring for what each guarantees and costs;
    ``tally.sortition_uniform``, ``tally.sortition_sequential`` and, for ``maximin``, the
    lottery over the committed ``portfolio`` in ``tally.sortition_portfolio``). Raises
    ``DrawTooLarge`` past the method's budget, ``ValueError`` for a ``maximin`` draw without a
    sound portfolio.
    """
    check_quotas(inputs)
    lot = Lot(seed)
    digest = inputs.digest()
    if inputs.method is Method.MAXIMIN:
        if portfolio is None:
            raise ValueError("a maximin draw is a lottery over a committed portfolio: none given")
        wrong = portfolio_problems(inputs, portfolio)
        if wrong:
            raise ValueError("the portfolio is not sound: " + "; ".join(wrong))
        index, chosen = draw_from_portfolio(inputs, portfolio, lot)
        return DrawResult(
            method=inputs.method,
            seats=inputs.seats,
            inputs_digest=digest,
            seed=lot.seed,
            panel=tuple(chosen),
            draws=tuple(lot.draws),
            portfolio_digest=portfolio.digest(),
            profile=index,
        )
    if inputs.method is Method.UNIFORM:
        drawn = draw_uniformly(inputs, lot)
        return DrawResult(
            method=inputs.method,
            seats=inputs.seats,
            inputs_digest=digest,
            seed=lot.seed,
            panel=tuple(drawn.panel),
            draws=tuple(lot.draws),
            counted_features=drawn.counted_features,
            panels_counted=drawn.panels_counted,
            trials=drawn.trials,
            panels_possible=(
                drawn.panels_counted
                if set(drawn.counted_features) == set(inputs.features)
                else None
            ),
        )
    panel = draw_sequentially(cells_for(inputs), lot)
    return DrawResult(
        method=inputs.method,
        seats=inputs.seats,
        inputs_digest=digest,
        seed=lot.seed,
        panel=tuple(panel),
        draws=tuple(lot.draws),
    )


def verify_draw(
    inputs: DrawInputs, result: DrawResult, portfolio: Portfolio | None = None
) -> list[str]:
    """Everything wrong with ``result`` as a draw from ``inputs``; empty when it checks out.

    Checks the digest, the method and seats, that the panel is the right size with no repeats
    and only pool members, that every quota holds, and re-runs the draw from the recorded seed
    to compare the panel, its order, every draw and the panel count; for ``maximin``, checks
    the ``portfolio`` (``portfolio_problems``) and its digest and re-runs its lottery. Used by
    ``plenary verify-draw``. Cost: one ``draw_panel``; the standard library only.
    """
    problems: list[str] = []
    if inputs.method is Method.MAXIMIN:
        if portfolio is None:
            return ["a maximin draw needs its committed portfolio to be checked"]
        problems += portfolio_problems(inputs, portfolio)
        if result.portfolio_digest != portfolio.digest():
            problems.append(
                f"the draw was made from a portfolio with digest {result.portfolio_digest}, "
                f"this one has {portfolio.digest()}"
            )
    digest = inputs.digest()
    if result.inputs_digest != digest:
        problems.append(
            f"the draw was made for inputs with digest {result.inputs_digest}, "
            f"but these inputs have digest {digest}"
        )
    if result.method is not inputs.method:
        problems.append(f"the draw used method {result.method}, the inputs say {inputs.method}")
    if result.seats != inputs.seats or len(result.panel) != inputs.seats:
        problems.append(
            f"the panel has {len(result.panel)} members for {inputs.seats} seats "
            f"(the result says {result.seats})"
        )
    by_id = {m.id: m for m in inputs.pool}
    if len(set(result.panel)) != len(result.panel):
        problems.append("the panel names a member more than once")
    strangers = sorted(set(result.panel) - set(by_id))
    if strangers:
        problems.append(f"the panel names members not in the pool: {', '.join(strangers)}")
    on_panel = [by_id[i] for i in dict.fromkeys(result.panel) if i in by_id]
    for quota in sorted(inputs.quotas, key=lambda q: (q.feature, q.value)):
        seated = sum(1 for m in on_panel if m.features.get(quota.feature) == quota.value)
        if seated < quota.min:
            problems.append(
                f"{quota.label} has {seated} on the panel, below the minimum {quota.min}"
            )
        if quota.max is not None and seated > quota.max:
            problems.append(
                f"{quota.label} has {seated} on the panel, above the maximum {quota.max}"
            )
    try:
        again = draw_panel(inputs, result.seed, portfolio)
    except ValueError as error:
        problems.append(f"re-running the draw fails: {error}")
        return problems
    if again.panel != result.panel:
        problems.append(
            f"re-running the draw gives the panel {', '.join(again.panel)}, "
            f"not {', '.join(result.panel)}"
        )
    if again.draws != result.draws:
        problems.append("re-running the draw makes different draws from the recorded ones")
    for name in (
        "counted_features",
        "panels_counted",
        "trials",
        "panels_possible",
        "portfolio_digest",
        "profile",
    ):
        if getattr(again, name) != getattr(result, name):
            problems.append(
                f"re-running gives {name} {getattr(again, name)}, "
                f"the result says {getattr(result, name)}"
            )
    return problems
