"""Breaking ties, shared by every rule: first by earlier stages, then by lot.

SSI 2007/42 Schedule 1 rule 49(2)–(3) (equal surpluses) and rule 51(2) (exclusion): regard is had
to the most recent earlier stage at which the tied candidates had unequal votes — the highest
then has its surplus transferred first, the lowest then is excluded — and where they were equal
at every stage the returning officer decides by lot. When an earlier stage separates only some
of them (three tied now, two still level at the lowest then), the search goes on among those
still level, at stages before that one.

The lot is :class:`tally.lot.Lot` (seeded, reproducible); the draws are recorded in the
:class:`~tally.transcript.TieBreak`. A ballot file may instead fix the lot in advance (BLT
``[tie …]``): then the tied candidate earliest in that order is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tally.lot import Lot
from tally.transcript import TieBreak

__all__ = ["break_tie"]


def break_tie(
    tied: Sequence[int],
    history: Sequence[Sequence[int]],
    *,
    lowest: bool,
    purpose: str,
    lot: Callable[[], Lot],
    tie_order: Sequence[int] | None = None,
) -> tuple[int, TieBreak | None]:
    """Choose one of ``tied`` and say how; ``None`` as the record when there was no tie.

    ``history[k]`` holds every candidate's votes at the end of stage ``k + 1``, oldest first;
    the stages are searched from the most recent back. ``lowest`` picks the candidate with the
    fewest votes at the deciding stage (exclusion), otherwise the most (order of surpluses).
    ``lot`` gives the generator to draw from and is only called when it comes to lot
    (so a seed derived from the ballots is only computed when needed). Cost: O(stages × tied)
    comparisons, plus one SHA-256 per draw when it comes to lot.
    """
    candidates = sorted(tied)
    if len(candidates) == 1:
        return candidates[0], None
    for k in range(len(history) - 1, -1, -1):
        votes = history[k]
        values = [votes[c] for c in candidates]
        extreme = min(values) if lowest else max(values)
        if values.count(extreme) == len(values):
            continue
        candidates = [c for c in candidates if votes[c] == extreme]
        if len(candidates) == 1:
            return candidates[0], TieBreak(
                tied=tuple(sorted(tied)),
                chosen=candidates[0],
                method="earlier stage",
                purpose=purpose,
                stage=k + 1,
            )
    if tie_order is not None:
        rank = {c: i for i, c in enumerate(tie_order)}
        ordered = sorted(candidates, key=lambda c: (rank.get(c, len(rank)), c))
        return ordered[0], TieBreak(
            tied=tuple(sorted(tied)), chosen=ordered[0], method="tie order", purpose=purpose
        )
    source = lot()
    before = len(source.draws)
    chosen = candidates[source.below(len(candidates))]
    draws = tuple((d.counter, d.n, d.value) for d in source.draws[before:])
    return chosen, TieBreak(
        tied=tuple(sorted(tied)), chosen=chosen, method="lot", purpose=purpose, draws=draws
    )
