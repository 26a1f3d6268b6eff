"""The ``uniform`` sortition method: every panel that meets the quotas is equally likely.

See ``tally.sortition`` for the guarantee; this module is how (issue 3 "Sortition draw").

1. **Count.** The panels meeting the quotas of some features are counted exactly
   (``PanelSpace.count`` over the cells those features split the pool into): first the
   feature with the most quoted values (nearly free: its quotas are checked and forgotten
   one value at a time), then the others from the fewest quoted values up, each added while
   the count still fits its state budget (``counted_features``).
2. **Draw from the counted panels.** Cell counts are drawn cell by cell with probability
   proportional to the number of counted panels completing them (``PanelCounts.sample``),
   then each cell's members by ``Lot.sample`` over its ids sorted. That is a uniform draw
   among the panels meeting the counted quotas.
3. **Reject** a panel that breaks a quota of a feature that was not counted and draw again
   (step 2), up to ``MAX_TRIALS`` times. A uniform draw from a set, kept only when it falls
   in a subset, is a uniform draw from the subset: every panel meeting all quotas has the
   same probability. When every feature was counted, the first trial is always kept.
4. **Order.** The kept panel is put in a uniformly random order by ``Lot.shuffle``.

Every draw of every trial goes to the transcript, so the re-run reproduces the rejections too.
"""

from __future__ import annotations

from dataclasses import dataclass

from tally.lot import Lot
from tally.sortition_cells import DEFAULT_STATE_BUDGET, PanelCounts, PanelSpaceTooLarge
from tally.sortition_inputs import (
    Cells,
    DrawInputs,
    DrawTooLarge,
    Member,
    Quota,
    cell_feature_order,
    cells_for,
)

__all__ = ["MAX_TRIALS", "UniformDraw", "draw_uniformly"]

MAX_TRIALS = 2_000
"""Panels drawn among the counted ones before giving up on meeting the uncounted quotas."""


@dataclass(frozen=True, slots=True)
class UniformDraw:
    """A uniformly drawn panel and the figures behind it.

    ``panels_counted`` is the exact number of panels meeting the quotas of
    ``counted_features``; when those are all the quoted features it is the number of
    panels that could have been drawn. ``trials`` is the number of panels drawn before one
    met every quota (1 when every feature was counted).
    """

    panel: list[str]
    counted_features: tuple[str, ...]
    panels_counted: int
    trials: int


def draw_uniformly(
    inputs: DrawInputs, lot: Lot, state_budget: int = DEFAULT_STATE_BUDGET
) -> UniformDraw:
    """Draw a panel uniformly among those meeting every quota (the module docstring's steps).

    ``inputs`` must have passed ``check_quotas``. Cost: the counts tried (each at most
    ``state_budget`` states; the failing one costs about that much), then per trial one draw
    per cell and one per seat. Raises ``DrawTooLarge`` when no feature's quotas can be
    counted or when ``MAX_TRIALS`` panels all break an uncounted quota.
    """
    order = cell_feature_order(inputs)
    chosen: list[str] = []
    counted: tuple[Cells, PanelCounts] | None = None
    # The first feature (most quoted values) is nearly free to count; then the others, the
    # cheapest (fewest quoted values) first, until one no longer fits.
    spread = {name: sum(1 for q in inputs.quotas if q.feature == name) for name in order}
    for name in [*order[:1], *sorted(order[1:], key=lambda n: (spread[n], n))]:
        trying = {*chosen, name}
        cells = cells_for(inputs, [q for q in inputs.quotas if q.feature in trying])
        try:
            counted = (cells, cells.space.count(state_budget))
        except PanelSpaceTooLarge as error:
            if not chosen:
                raise DrawTooLarge(f"{error}; the 'sequential' method can draw it") from error
            break
        chosen.append(name)
    if counted is None:
        cells = cells_for(inputs, [])
        counted = (cells, cells.space.count(state_budget))
    cells, counts = counted
    by_id = {m.id: m for m in inputs.pool}
    uncounted = [q for q in inputs.quotas if q.feature not in cells.features]
    for trial in range(1, MAX_TRIALS + 1):
        panel: list[str] = []
        for cell, take in enumerate(counts.sample(lot)):
            if take:
                panel.extend(lot.sample(cells.members[cell], take))
        if all(_holds(q, [by_id[i] for i in panel]) for q in uncounted):
            return UniformDraw(lot.shuffle(panel), cells.features, counts.total, trial)
    raise DrawTooLarge(
        f"none of {MAX_TRIALS} panels drawn uniformly under the quotas on "
        f"{', '.join(cells.features) or 'nothing'} met the quotas on the other features; "
        "the 'sequential' method can draw it"
    )


def _holds(quota: Quota, panel: list[Member]) -> bool:
    """Whether ``panel`` seats between ``quota.min`` and ``quota.max`` with its value."""
    seated = sum(1 for m in panel if m.features[quota.feature] == quota.value)
    return seated >= quota.min and (quota.max is None or seated <= quota.max)
