"""Sortition: draw a panel by lot that meets every quota, so that anyone can re-run the draw.

Follows DESIGN.md "Sortition" and issue 3 "Sortition draw". The inputs (pool, seats, quotas,
method; ``tally.sortition_inputs``) are committed by their digest before the seed is known;
the seed then drives ``tally.lot.Lot``, the only source of randomness, and the result records
the seed, the digest and every draw, so ``verify_draw`` can repeat the draw and compare.

Two methods, named in the inputs (and so in the digest):

``uniform`` (the default) — **every panel that meets the quotas is equally likely.** The
  panels are counted exactly (``tally.sortition_cells``: dynamic programming over cells of
  members who look alike to the quotas, with exact integers); then the number taken from each
  cell is drawn cell by cell with probability proportional to the number of panels completing
  it, the members of each cell by a uniform sample, and finally the panel's order by a
  shuffle. So each of the ``panels_possible`` panels has probability exactly
  ``1 / panels_possible`` and the listed order is uniformly random. Cost: linear in the number
  of counting states, which grows with the seats and with the number of quotas on features
  other than the one with most quotas; past ``DEFAULT_STATE_BUDGET`` states it stops with
  ``DrawTooLarge``. Measured on this machine with a pool of 10,000 and quotas (±1 around
  proportional) on every value: gender (3 values) alone, 30 seats: 0.02 s; gender and age
  band (6 values), 30 seats: 0.2 s, 60 seats: 2.1 s; adding a third feature (12
  neighbourhoods) passes the budget even at 12 seats (found out in 3.4 s).

``sequential`` — for structures too large to count: at each of the ``seats`` steps, one member
  is chosen uniformly among all members not yet chosen **whose selection still leaves a
  panel meeting every quota possible** (decided exactly by search). Every quota-respecting
  panel can come out, but not with equal probability: a member of a group the quotas make
  scarce is picked by necessity, late in the draw, so panels differ in probability by the
  number of orders that reach them. For instance from 2 men and 8 women, 3 seats, "man at
  least 1": uniformly, both men sit with probability 1/8 (8 of the 64 possible panels); the
  sequential draw seats both with probability 1/15. It is the "keep feasible, pick uniformly"
  sequential draw, not a uniform one; the result says which method was used. Cost: a few
  searches per seat (most answered by a remembered completion); measured with the four
  features gender, age band, 12 neighbourhoods and 5 ethnic groups, all quota'd, pool of
  10,000: 30 seats in 0.5 s, 60 seats in 1.3 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from tally.lot import Draw, Lot
from tally.sortition_cells import PanelSpace, PanelSpaceTooLarge
from tally.sortition_inputs import (
    DrawInputs,
    DrawTooLarge,
    Eligibility,
    InfeasibleQuotas,
    Member,
    Method,
    Quota,
    cell_feature_order,
    cell_key,
    check_quotas,
    exclude_recent_servers,
    panel_space,
)

__all__ = [
    "RESULT_FORMAT",
    "DrawInputs",
    "DrawResult",
    "DrawTooLarge",
    "Eligibility",
    "InfeasibleQuotas",
    "Member",
    "Method",
    "Quota",
    "check_quotas",
    "draw_panel",
    "exclude_recent_servers",
    "verify_draw",
]

RESULT_FORMAT = "plenary-sortition-result/1"

_WITNESSES = 64
"""Completions the sequential draw remembers between seats (more: fewer searches, more scans)."""


@dataclass(frozen=True, slots=True)
class DrawResult:
    """A panel and everything needed to re-run and check it.

    ``panel`` lists member ids in draw order; ``draws`` are every ``Lot`` draw in order;
    ``panels_possible`` is the number of quota-respecting panels (``uniform`` only, else
    ``None``).
    """

    method: Method
    seats: int
    inputs_digest: str
    seed: bytes
    panel: tuple[str, ...]
    draws: tuple[Draw, ...]
    panels_possible: int | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; big numbers (draw bounds, panel counts) are decimal strings."""
        return {
            "format": RESULT_FORMAT,
            "method": self.method.value,
            "seats": self.seats,
            "inputs_digest": self.inputs_digest,
            "seed_hex": self.seed.hex(),
            "panel": list(self.panel),
            "draws": [
                {"counter": d.counter, "n": str(d.n), "value": str(d.value)} for d in self.draws
            ],
            "panels_possible": None if self.panels_possible is None else str(self.panels_possible),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The result ``to_dict`` wrote."""
        if data.get("format") != RESULT_FORMAT:
            raise ValueError(f"not a sortition result in format {RESULT_FORMAT}")
        possible = data.get("panels_possible")
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
            panels_possible=None if possible is None else int(possible),
        )


def draw_panel(inputs: DrawInputs, seed: bytes | str) -> DrawResult:
    """Draw a panel meeting every quota, deterministically from ``seed``.

    Checks the quotas first (``check_quotas``: ``InfeasibleQuotas`` names the quota), then
    draws by ``inputs.method`` (see the module docstring for what each guarantees). Cost:
    ``uniform`` — the exact count (see ``tally.sortition_cells``) plus one draw per cell and
    per seat; ``sequential`` — per seat, a scan of the cells and a search for each cell not yet
    known to keep the quotas possible. Raises ``DrawTooLarge`` past the method's budget.
    """
    check_quotas(inputs)
    lot = Lot(seed)
    space = panel_space(inputs)
    members = _cell_members(inputs, space)
    possible: int | None
    if inputs.method is Method.UNIFORM:
        try:
            counts = space.count()
        except PanelSpaceTooLarge as error:
            raise DrawTooLarge(f"{error}; the 'sequential' method can draw it") from error
        possible = counts.total
        panel: list[str] = []
        for cell, take in enumerate(counts.sample(lot)):
            if take:
                panel.extend(lot.sample(members[cell], take))
        panel = lot.shuffle(panel)
    else:
        possible = None
        panel = _draw_sequentially(space, members, lot)
    return DrawResult(
        method=inputs.method,
        seats=inputs.seats,
        inputs_digest=inputs.digest(),
        seed=lot.seed,
        panel=tuple(panel),
        draws=tuple(lot.draws),
        panels_possible=possible,
    )


def _cell_members(inputs: DrawInputs, space: PanelSpace) -> list[list[str]]:
    """Each cell's member ids, sorted (the order draws index into)."""
    order = cell_feature_order(inputs)
    index = {key: c for c, key in enumerate(space.keys)}
    cells: list[list[str]] = [[] for _ in space.keys]
    for member in sorted(inputs.pool, key=lambda m: m.id):
        cells[index[cell_key(member, order)]].append(member.id)
    return cells


def _draw_sequentially(space: PanelSpace, members: list[list[str]], lot: Lot) -> list[str]:
    """The ``sequential`` method: each seat uniformly among members that keep quotas possible.

    Per seat: ``below(candidates)``, where the candidates are the members not yet chosen in
    cells not yet found unsafe, counted through the cells in order and inside a cell by id.
    If the drawn member's cell is safe (one more from it still leaves a panel meeting every
    quota possible) the member is seated; if not, the cell is set aside and the draw is
    repeated. A cell found unsafe stays unsafe for the rest of the draw (a panel that cannot
    take one more from it now never can later), so this rejection sampling seats a member
    uniformly among the safe ones. Safety is decided by a remembered completion (cell counts
    meeting every quota, at least what is chosen) that takes more from the cell, or that does
    after moving one place into it from another cell; failing those, by a search.
    """
    cells = len(space.keys)
    chosen = [0] * cells
    remaining = [list(ids) for ids in members]
    first = space.completion(chosen)
    if first is None:
        raise InfeasibleQuotas("no panel meets the quotas")
    witnesses = [first]
    dead: set[int] = set()
    panel: list[str] = []
    while len(panel) < space.seats:
        live = [c for c in range(cells) if c not in dead and remaining[c]]
        point = lot.below(sum(len(remaining[c]) for c in live))
        for cell in live:
            if point < len(remaining[cell]):
                break
            point -= len(remaining[cell])
        witness = _keeps_quotas(space, witnesses, chosen, cell)
        if witness is None:
            dead.add(cell)
            continue
        panel.append(remaining[cell].pop(point))
        chosen[cell] += 1
        kept = [w for w in witnesses if w[cell] >= chosen[cell] and w is not witness]
        witnesses = [*kept[-(_WITNESSES - 1) :], witness]
    return panel


def _keeps_quotas(
    space: PanelSpace, witnesses: list[list[int]], chosen: list[int], cell: int
) -> list[int] | None:
    """A completion taking more than ``chosen`` from ``cell``, or ``None`` if there is none.

    Cost: a scan of the remembered completions, then at most one search.
    """
    for witness in reversed(witnesses):
        if witness[cell] > chosen[cell]:
            return witness
    for witness in reversed(witnesses):
        held = [0] * len(space.bounds)
        for c, x in enumerate(witness):
            for d in space.cell_bounds[c]:
                held[d] += x
        spare = [c for c in range(len(witness)) if witness[c] > chosen[c]]
        moved = _move_into(space, witness, held, spare, cell)
        if moved is not None:
            return moved
    return space.completion([x + (c == cell) for c, x in enumerate(chosen)])


def _move_into(
    space: PanelSpace, witness: list[int], held: list[int], spare: list[int], cell: int
) -> list[int] | None:
    """``witness`` with one place moved from a spare cell into ``cell``, if quotas allow."""
    into = set(space.cell_bounds[cell])
    for source in spare:
        out = set(space.cell_bounds[source])
        if all(_room(space, held, d) for d in into - out) and all(
            held[d] > space.bounds[d].low for d in out - into
        ):
            moved = list(witness)
            moved[source] -= 1
            moved[cell] += 1
            return moved
    return None


def _room(space: PanelSpace, held: list[int], bound: int) -> bool:
    """Whether one more member with ``bound``'s value stays within its maximum."""
    high = space.bounds[bound].high
    return high is None or held[bound] < high


def verify_draw(inputs: DrawInputs, result: DrawResult) -> list[str]:
    """Everything wrong with ``result`` as a draw from ``inputs``; empty when it checks out.

    Checks the digest, the method and seats, that the panel is the right size with no repeats
    and only pool members, that every quota holds, and re-runs the draw from the recorded seed
    to compare the panel, its order, every draw and the panel count. Used by ``plenary
    verify-draw``. Cost: one ``draw_panel``.
    """
    problems: list[str] = []
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
        again = draw_panel(inputs, result.seed)
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
    if again.panels_possible != result.panels_possible:
        problems.append(
            f"re-running counts {again.panels_possible} possible panels, "
            f"the result says {result.panels_possible}"
        )
    return problems
