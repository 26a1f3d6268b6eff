"""The arithmetic of panels: how many members to take from each cell so every quota holds.

A **cell** is the set of pool members who share one value for every feature a quota mentions
(for example "woman, 30-44, Leith"). Members of one cell are interchangeable as far as the
quotas go, so a panel meets the quotas exactly when its **cell counts** ``x`` do:
``0 ≤ x[c] ≤ size[c]``, ``Σ x = seats`` and, for every quota on a feature value,
``low ≤ Σ x[c] over the cells with that value ≤ high``.

Two questions are answered here, both exactly:

- ``PanelSpace.count`` — the number of quota-respecting panels, ``Σ_x Π_c C(size[c], x[c])``,
  by dynamic programming over the cells in order. The state after some cells is the number
  taken so far plus, for each quota, how many of its value were taken (capped at ``low`` when
  the quota has no binding maximum). A quota is checked and forgotten after the last cell that
  has its value, so the quotas of the first feature in the cell order cost almost nothing. The
  layers are kept, so ``PanelCounts.sample`` can then draw cell counts with probability
  proportional to the number of panels that have them (exactly uniform over panels).
- ``PanelSpace.completion`` — whether some feasible ``x`` has ``x ≥ lower`` (a panel that
  already holds ``lower[c]`` members of cell ``c`` can still be completed), by depth-first
  search with the same states, bound checks and a memory of failed states.

Both are exponential in the worst case (deciding feasibility with three or more features is
NP-hard in general); both stop with ``PanelSpaceTooLarge`` past a budget instead of running on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tally.lot import Lot

__all__ = [
    "DEFAULT_NODE_BUDGET",
    "DEFAULT_STATE_BUDGET",
    "Bound",
    "PanelCounts",
    "PanelSpace",
    "PanelSpaceTooLarge",
    "below_big",
]

DEFAULT_STATE_BUDGET = 150_000
"""States the exact count may hold over all layers (about 3 s of work here, tens of MB)."""

DEFAULT_NODE_BUDGET = 200_000
"""Search steps one feasibility question may take."""

_CHUNK = 1 << 256


class PanelSpaceTooLarge(ValueError):
    """The quota structure is too large for the exact method within its budget."""


def below_big(lot: Lot, n: int) -> int:
    """A uniform integer in ``range(n)`` for any ``n ≥ 1``, even above 2**256.

    For ``n ≤ 2**256`` this is ``lot.below(n)``. Otherwise it takes ``j = ⌈bits(n)/256⌉ + 1``
    draws ``lot.below(2**256)`` (each one raw block), reads them as one big-endian number
    ``v < 2**(256·j)`` (first draw most significant), answers ``v mod n`` when
    ``v < 2**(256·j) − (2**(256·j) mod n)`` and otherwise starts again (rejection sampling).
    Cost: ``j`` SHA-256 blocks; a restart has probability below ``2**-256``.
    """
    if n <= _CHUNK:
        return lot.below(n)
    chunks = -(-n.bit_length() // 256) + 1
    space = 1 << (256 * chunks)
    limit = space - space % n
    while True:
        value = 0
        for _ in range(chunks):
            value = (value << 256) | lot.below(_CHUNK)
        if value < limit:
            return value % n


@dataclass(frozen=True, slots=True)
class Bound:
    """One binding quota: between ``low`` and ``high`` (``None``: no binding maximum)."""

    label: str
    feature: int
    value: str
    low: int
    high: int | None


class PanelSpace:
    """The cells of a pool and the quotas on them, ready to count or search.

    ``keys[c]`` is cell ``c``'s value for each feature (features by index), ``sizes[c]`` its
    number of members, ``quotas[(feature, value)] = (low, high)`` with ``high`` ``None`` for no
    maximum. Quotas that cannot bind (low 0 and a maximum at least the seats or the members
    with that value) are dropped. Cost: O(cells × features).
    """

    def __init__(
        self,
        keys: Sequence[tuple[str, ...]],
        sizes: Sequence[int],
        quotas: Mapping[tuple[int, str], tuple[int, int | None]],
        seats: int,
        labels: Mapping[tuple[int, str], str] | None = None,
    ) -> None:
        self.keys = list(keys)
        self.sizes = list(sizes)
        self.seats = seats
        present: dict[tuple[int, str], int] = {}
        for key, size in zip(self.keys, self.sizes, strict=True):
            for feature, value in enumerate(key):
                present[(feature, value)] = present.get((feature, value), 0) + size
        bounds: list[Bound] = []
        for (feature, value), (low, high) in sorted(quotas.items()):
            available = present.get((feature, value), 0)
            binding = None if high is None or high >= min(seats, available) else high
            if low == 0 and binding is None:
                continue
            label = labels[(feature, value)] if labels else f"{feature}={value}"
            bounds.append(Bound(label, feature, value, low, binding))
        self.bounds = bounds
        index = {(b.feature, b.value): d for d, b in enumerate(bounds)}
        self.cell_bounds = [
            tuple(index[(f, v)] for f, v in enumerate(key) if (f, v) in index) for key in self.keys
        ]
        self.last_cell = [-1] * len(bounds)
        for c, dims in enumerate(self.cell_bounds):
            for d in dims:
                self.last_cell[d] = c
        self.retire_after: list[tuple[int, ...]] = [() for _ in self.keys]
        for d, c in enumerate(self.last_cell):
            if c >= 0:
                self.retire_after[c] += (d,)
        # A minimum on a value nobody in the pool has can never be met.
        self.impossible = any(c < 0 and bounds[d].low > 0 for d, c in enumerate(self.last_cell))
        features = sorted({b.feature for b in bounds})
        self.feature_bounds = [
            tuple(d for d, b in enumerate(bounds) if b.feature == f) for f in features
        ]

    # -- shared state arithmetic ---------------------------------------------------------

    def _suffixes(self, caps: Sequence[int]) -> tuple[list[int], list[list[int]]]:
        """Members still available from cell ``i`` on: in all, and per bound."""
        cells = len(caps)
        total = [0] * (cells + 1)
        per_bound = [[0] * (cells + 1) for _ in self.bounds]
        for c in range(cells - 1, -1, -1):
            total[c] = total[c + 1] + caps[c]
            for row in per_bound:
                row[c] = row[c + 1]
            for d in self.cell_bounds[c]:
                per_bound[d][c] += caps[c]
        return total, per_bound

    def _moves(self, state: tuple[int, ...], cell: int) -> list[tuple[int, tuple[int, ...]]]:
        """Every ``(take, state after)`` for taking ``take`` from ``cell``, fewest first.

        ``state[0]`` counts members taken, ``state[1 + d]`` those with bound ``d``'s value
        (capped at the low end for a bound with no maximum, and reset to 0 once the bound is
        checked after its last cell). Takes that break a maximum, or leave a minimum short
        after its last cell, are not listed. Cost: O(takes × bounds of the cell).
        """
        most = min(self.sizes[cell], self.seats - state[0])
        least = 0
        for d in self.cell_bounds[cell]:
            bound = self.bounds[d]
            if bound.high is not None:
                most = min(most, bound.high - state[1 + d])
        for d in self.retire_after[cell]:
            least = max(least, self.bounds[d].low - state[1 + d])
        moves = []
        dims = self.cell_bounds[cell]
        retiring = self.retire_after[cell]
        for take in range(least, most + 1):
            out = list(state)
            out[0] += take
            for d in dims:
                low = self.bounds[d].low
                count = out[1 + d] + take
                out[1 + d] = min(count, low) if self.bounds[d].high is None else count
            for d in retiring:
                out[1 + d] = 0
            moves.append((take, tuple(out)))
        return moves

    def _hopeless(
        self,
        state: tuple[int, ...],
        nxt: int,
        total: Sequence[int],
        per_bound: Sequence[Sequence[int]],
    ) -> bool:
        """True when cells ``nxt`` onwards cannot finish the panel from ``state``."""
        left = self.seats - state[0]
        if left > total[nxt]:
            return True
        for dims in self.feature_bounds:
            needed = 0
            for d in dims:
                if self.last_cell[d] < nxt:
                    continue
                short = self.bounds[d].low - state[1 + d]
                if short > 0:
                    if short > per_bound[d][nxt]:
                        return True
                    needed += short
            if needed > left:
                return True
        return False

    # -- exact counting --------------------------------------------------------------------

    def count(self, state_budget: int = DEFAULT_STATE_BUDGET) -> PanelCounts:
        """Count every quota-respecting panel exactly (see the module docstring).

        Cost: O(states × seats) big-integer operations, where ``states`` is the number of
        reachable states summed over the cells; raises ``PanelSpaceTooLarge`` when that passes
        ``state_budget``.
        """
        cells = len(self.keys)
        if self.impossible:
            return PanelCounts(self, [{} for _ in range(cells + 1)])
        total, per_bound = self._suffixes(self.sizes)
        start = (0,) * (1 + len(self.bounds))
        layers: list[set[tuple[int, ...]]] = [{start}]
        held = 1
        for c in range(cells):
            nxt: set[tuple[int, ...]] = set()
            for state in layers[c]:
                for _, after in self._moves(state, c):
                    if not self._hopeless(after, c + 1, total, per_bound):
                        nxt.add(after)
            held += len(nxt)
            if held > state_budget:
                raise PanelSpaceTooLarge(
                    f"counting panels exactly needs more than {state_budget} states "
                    f"({len(self.bounds)} binding quotas over {cells} cells)"
                )
            layers.append(nxt)
        final = (self.seats,) + (0,) * len(self.bounds)
        ways: list[dict[tuple[int, ...], int]] = [{} for _ in range(cells + 1)]
        if final in layers[cells]:
            ways[cells][final] = 1
        for c in range(cells - 1, -1, -1):
            later = ways[c + 1]
            here = ways[c]
            most = min(self.sizes[c], self.seats)
            binomials = [math.comb(self.sizes[c], take) for take in range(most + 1)]
            for state in layers[c]:
                subtotal = 0
                for take, after in self._moves(state, c):
                    if after in later:
                        subtotal += binomials[take] * later[after]
                if subtotal:
                    here[state] = subtotal
        return PanelCounts(self, ways)

    # -- search for a completion -------------------------------------------------------------

    def completion(
        self, lower: Sequence[int], node_budget: int = DEFAULT_NODE_BUDGET
    ) -> list[int] | None:
        """Cell counts ``x ≥ lower`` meeting every quota, or ``None`` when there are none.

        Works on the residual problem: the cells with members left, the seats left, and each
        quota less what ``lower`` already holds, where quotas that can no longer bind are
        dropped (late in a draw most of them). Then depth-first over the cells, trying the
        most that can be taken first, pruning states that cannot finish (too few members left
        for the seats or for a quota's minimum, or a feature's minimums needing more than the
        seats left) and remembering failed states. Cost: exponential in the worst case;
        raises ``PanelSpaceTooLarge`` after ``node_budget`` states.
        """
        caps = [size - low for size, low in zip(self.sizes, lower, strict=True)]
        taken = sum(lower)
        if self.impossible or min(caps, default=0) < 0 or taken > self.seats:
            return None
        held = [0] * len(self.bounds)
        for c, low in enumerate(lower):
            for d in self.cell_bounds[c]:
                held[d] += low
        quotas: dict[tuple[int, str], tuple[int, int | None]] = {}
        labels: dict[tuple[int, str], str] = {}
        for d, bound in enumerate(self.bounds):
            high = None if bound.high is None else bound.high - held[d]
            if high is not None and high < 0:
                return None
            quotas[(bound.feature, bound.value)] = (max(0, bound.low - held[d]), high)
            labels[(bound.feature, bound.value)] = bound.label
        live = [c for c in range(len(caps)) if caps[c] > 0]
        residual = PanelSpace(
            [self.keys[c] for c in live],
            [caps[c] for c in live],
            quotas,
            self.seats - taken,
            labels,
        )
        found = residual._search(node_budget)
        if found is None:
            return None
        out = list(lower)
        for i, c in enumerate(live):
            out[c] += found[i]
        return out

    def _search(self, node_budget: int) -> list[int] | None:
        """Depth-first search for cell counts meeting every quota (see ``completion``)."""
        if self.impossible:
            return None
        cells = len(self.keys)
        total, per_bound = self._suffixes(self.sizes)
        start = (0,) * (1 + len(self.bounds))
        if self._hopeless(start, 0, total, per_bound):
            return None
        failed: set[tuple[int, tuple[int, ...]]] = set()
        choice: list[int] = []
        stack = [(start, self._moves(start, 0) if cells else [])]
        nodes = 0
        while stack:
            state, moves = stack[-1]
            depth = len(stack) - 1
            if state[0] == self.seats and depth < cells:
                # Every seat is filled and no minimum is short (or ``_hopeless`` would have
                # said so): the remaining cells take nothing.
                return choice + [0] * (cells - depth)
            if depth == cells and state[0] == self.seats:
                return choice
            if not moves:
                failed.add((depth, state))
                stack.pop()
                if choice:
                    choice.pop()
                continue
            take, after = moves.pop()
            nodes += 1
            if nodes > node_budget:
                raise PanelSpaceTooLarge(
                    f"deciding whether the quotas can be met took more than {node_budget} "
                    f"steps ({len(self.bounds)} binding quotas over {cells} cells)"
                )
            if (depth + 1, after) in failed or self._hopeless(after, depth + 1, total, per_bound):
                continue
            choice.append(take)
            stack.append((after, self._moves(after, depth + 1) if depth + 1 < cells else []))
        return None


class PanelCounts:
    """The exact number of quota-respecting panels, and a way to draw one uniformly."""

    def __init__(self, space: PanelSpace, ways: list[dict[tuple[int, ...], int]]) -> None:
        self.space = space
        self.ways = ways
        self.total = ways[0].get((0,) * (1 + len(space.bounds)), 0)

    def sample(self, lot: Lot) -> list[int]:
        """Cell counts drawn with probability (panels with these counts) / (all panels).

        Cell by cell: one ``below_big(lot, w)`` where ``w`` is the number of panels that
        complete the current state, then the first ``take`` (from 0 up) whose cumulative
        ``C(size, take) × completions`` passes the drawn number. Cost: one draw per cell.
        """
        if self.total == 0:
            raise ValueError("no panel meets the quotas")
        space = self.space
        state = (0,) * (1 + len(space.bounds))
        takes: list[int] = []
        for c in range(len(space.keys)):
            point = below_big(lot, self.ways[c][state])
            later = self.ways[c + 1]
            for take, after in space._moves(state, c):
                if after not in later:
                    continue
                weight = math.comb(space.sizes[c], take) * later[after]
                if point < weight:
                    takes.append(take)
                    state = after
                    break
                point -= weight
        return takes
