"""The ``sequential`` sortition method: each seat uniformly among members who keep quotas possible.

See ``tally.sortition`` for what it guarantees (every quota-respecting panel can come out, not
all equally likely) and when to use it (quota structures too large to count exactly). Follows
issue 3 "Sortition draw".
"""

from __future__ import annotations

from tally.lot import Lot
from tally.sortition_cells import PanelSpace
from tally.sortition_inputs import Cells, InfeasibleQuotas

__all__ = ["draw_sequentially"]

_WITNESSES = 64
"""Completions remembered between seats (more: fewer searches, longer scans)."""


def draw_sequentially(cells: Cells, lot: Lot) -> list[str]:
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
    space = cells.space
    count = len(space.keys)
    chosen = [0] * count
    remaining = [list(ids) for ids in cells.members]
    first = space.completion(chosen)
    if first is None:
        raise InfeasibleQuotas("no panel meets the quotas")
    witnesses = [first]
    dead: set[int] = set()
    panel: list[str] = []
    while len(panel) < space.seats:
        live = [c for c in range(count) if c not in dead and remaining[c]]
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
