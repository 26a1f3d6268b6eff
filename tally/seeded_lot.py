"""The lot a count draws from when a tie goes that far, seeded once and only when needed.

A count is given a seed or not. Without one, the seed is :func:`default_seed`: the SHA-256 of
the election written as BLT with its identical ballots merged and sorted, so a draw by lot
depends only on the ballots (not on the order of the papers) and anyone holding them can repeat
it. Computing it costs a sort and a write of the whole election, so :class:`SeededLot` does it
the first time a tie actually reaches the lot, and remembers the seed for the transcript.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from tally.ballots import Election, group_ballots
from tally.blt import write_blt
from tally.lot import Lot

__all__ = ["SeededLot", "default_seed"]


def default_seed(election: Election) -> str:
    """SHA-256 (hex) of ``election`` as BLT, its identical ballots merged and sorted.

    Cost: sorting and writing the election once.
    """
    canonical = replace(election, ballots=tuple(sorted(group_ballots(election.ballots))))
    return hashlib.sha256(write_blt(canonical).encode("utf-8")).hexdigest()


class SeededLot:
    """The count's :class:`Lot`, made on first use from ``seed`` or :func:`default_seed`.

    Call the object to get the generator (what :func:`tally.ties.break_tie` takes);
    :attr:`seed` is the seed used, or ``None`` while no draw was needed and none was given.
    """

    __slots__ = ("_election", "_lot", "seed")

    def __init__(self, election: Election, seed: str | None) -> None:
        self._election = election
        self._lot: Lot | None = None
        self.seed = seed

    def __call__(self) -> Lot:
        if self._lot is None:
            if self.seed is None:
                self.seed = default_seed(self._election)
            self._lot = Lot(self.seed)
        return self._lot
