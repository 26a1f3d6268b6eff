"""Where each ballot's vote goes under Meek STV, kept small enough to recompute every iteration.

Under Meek only the *elected* candidates on a ballot (keep factor below 1) share its vote
before it reaches the first *hopeful* one (keep factor 1, keeps the rest); excluded and
withdrawn candidates (keep factor 0) are skipped. So what a ballot gives depends only on its
*path*: the elected candidates it passes, in order, and the hopeful candidate it stops at (or
none: the rest is excess). :class:`BallotPaths` keeps, for every path, the number of ballots on
it; an iteration of the count walks the paths, not the ballots.

The ballots themselves sit in the shared prefix index (:mod:`tally.prefix`: the distinct strict
rankings as sorted strings, which the BLT reader builds while reading), so the ballots sharing a
prefix are a contiguous range — a node of a prefix tree that is never built. Ranges waiting on
a hopeful candidate are kept per candidate; when that candidate is elected or excluded only
those ranges move, and a range splits into its next candidates by binary search
(``bisect`` on the next preference), not by touching each ballot. Ballots with equal rankings
(``a=b``) are few in practice and are distributed one distinct ranking at a time.

Cost: building is one sort of the distinct rankings, or nothing when the reader built the index
(and the ballots have no equal rankings); moving a range costs O(k log r) for its k
next candidates among r rankings; :meth:`BallotPaths.distribute` costs one step per path and
elected candidate on it, plus one per group of each equal-ranking ballot.
"""

from __future__ import annotations

from bisect import bisect_left
from math import comb

from tally.arithmetic import mul_div_down, mul_div_up
from tally.ballots import Election, PrefixIndex, Ranking
from tally.prefix import index_from_keys

__all__ = ["DEFEATED", "ELECTED", "HOPEFUL", "WITHDRAWN", "BallotPaths"]

HOPEFUL, ELECTED, DEFEATED, WITHDRAWN = 0, 1, 2, 3

_END = -1  # the stop of a path whose ballots run out: its remainder is excess

# A range of the sorted keys: (low, high, depth, elected passed); all share depth preferences.
_Range = tuple[int, int, int, tuple[int, ...]]


class BallotPaths:
    """The ballots of one election, grouped by the path their vote takes (see the module).

    ``status[c]`` and ``keep[c]`` (keep factor scaled by ``scale``) belong to the caller, who
    changes a status only through :meth:`set_status` so the ballots waiting on it move.
    """

    def __init__(
        self,
        election: Election,
        keep_rounding: str,
        stop_at_empty: bool,
        scale: int,
        equalize: bool = False,
    ):
        n = len(election.candidates)
        self.scale = scale
        self.round_up = keep_rounding == "up"
        self.stop_at_empty = stop_at_empty
        self.equalize = equalize
        self.fixed_shares: dict[tuple[int, ...], tuple[list[int], int]] = {}
        self.status = [WITHDRAWN if c in election.withdrawn else HOPEFUL for c in range(n)]
        self.keep = [0 if c in election.withdrawn else scale for c in range(n)]
        index, equal = _split_ballots(election)
        self.keys = index.keys
        self.cumulative = index.cumulative
        self.valid = index.total + sum(equal.values())
        self.equal = list(equal.items())
        self.equal_paths: dict[Ranking, int] = {}
        # paths[elected passed][stop] = number of ballots; waiting[c] = ranges stopped at c
        self.paths: dict[tuple[int, ...], dict[int, int]] = {}
        self.waiting: list[list[_Range]] = [[] for _ in range(n)]
        self._route([(index.start, len(self.keys), 0, ())])
        self._shorten_equal()

    def _shorten_equal(self) -> None:
        """Cut each equal-ranking ballot to what the descent can reach; merge the same cuts.

        A group keeps its hopeful and elected candidates; the descent goes past a group only
        through elected candidates, so the cut ends at the first group of hopefuls only.
        Cost: one pass over the equal-ranking ballots, at each change of status.
        """
        status = self.status
        paths: dict[Ranking, int] = {}
        for ranking, count in self.equal:
            cut: list[tuple[int, ...]] = []
            for group in ranking:
                if self.equalize:  # every candidate stays: an excluded one passes all on
                    cut.append(group)
                    if all(status[c] == HOPEFUL for c in group):
                        break
                    continue
                live = tuple(c for c in group if status[c] == HOPEFUL or status[c] == ELECTED)
                if not live:
                    if self.stop_at_empty:
                        break
                    continue
                cut.append(live)
                if all(status[c] == HOPEFUL for c in live):
                    break
            key = tuple(cut)
            paths[key] = paths.get(key, 0) + count
        self.equal_paths = paths

    def _route(self, todo: list[_Range]) -> None:
        """Send each range on to its next hopeful candidate (or to the end of its ballots).

        A range of one ranking is walked preference by preference; a larger one is split into
        its next candidates by binary search, as :mod:`tally.prefix` describes.
        """
        keys = self.keys
        cumulative = self.cumulative
        status = self.status
        waiting = self.waiting
        paths = self.paths
        while todo:
            low, high, depth, passed = todo.pop()
            if high - low == 1:
                key = keys[low]
                weight = cumulative[high] - cumulative[low]
                stop = _END
                for depth in range(depth, len(key)):  # noqa: B020 - walking on
                    c = ord(key[depth]) - 1
                    s = status[c]
                    if s == HOPEFUL:
                        waiting[c].append((low, high, depth + 1, passed))
                        stop = c
                        break
                    if s == ELECTED:
                        passed = (*passed, c)
                stops = paths.get(passed)
                if stops is None:
                    paths[passed] = {stop: weight}
                else:
                    stops[stop] = stops.get(stop, 0) + weight
                continue
            if low < high and len(keys[low]) == depth:  # ballots that end here
                self._add(passed, _END, cumulative[low + 1] - cumulative[low])
                low += 1
            i = low
            while i < high:
                key = keys[i]
                mark = key[depth]
                if i + 1 == high or keys[i + 1][depth] != mark:
                    j = i + 1
                else:
                    j = bisect_left(keys, key[:depth] + chr(ord(mark) + 1), i + 2, high)
                c = ord(mark) - 1
                s = status[c]
                if s == HOPEFUL:
                    waiting[c].append((i, j, depth + 1, passed))
                    self._add(passed, c, cumulative[j] - cumulative[i])
                elif s == ELECTED:
                    todo.append((i, j, depth + 1, (*passed, c)))
                else:
                    todo.append((i, j, depth + 1, passed))
                i = j

    def _add(self, passed: tuple[int, ...], stop: int, weight: int) -> None:
        stops = self.paths.get(passed)
        if stops is None:
            self.paths[passed] = {stop: weight}
        else:
            stops[stop] = stops.get(stop, 0) + weight

    def set_status(self, candidate: int, status: int) -> None:
        """Elect or exclude ``candidate`` and move the ballots that stopped at them.

        Cost: O(k log r) per range waiting on the candidate (k next candidates, r rankings).
        """
        self.status[candidate] = status
        self.fixed_shares.clear()
        if status == DEFEATED:
            self.keep[candidate] = 0
        ranges = self.waiting[candidate]
        self.waiting[candidate] = []
        moved: list[_Range] = []
        for low, high, depth, passed in ranges:
            stops = self.paths[passed]
            stops[candidate] -= self.cumulative[high] - self.cumulative[low]
            if not stops[candidate]:
                del stops[candidate]
            if status == ELECTED:
                passed = (*passed, candidate)
            moved.append((low, high, depth, passed))
        self._route(moved)
        if self.equal:
            self._shorten_equal()

    def _split(self, weight: int, kf: int) -> tuple[int, int]:
        """(kept, passed on) of ``weight`` reaching a candidate with keep factor ``kf``."""
        scale = self.scale
        if self.round_up:
            kept = mul_div_up(weight, kf, scale)
            return kept, weight - kept
        return mul_div_down(weight, kf, scale), mul_div_down(weight, scale - kf, scale)

    def distribute(self) -> tuple[list[int], int, int]:
        """One distribution of every ballot at the current keep factors (B.2.a).

        Returns each candidate's votes, the excess (weight left when a ballot runs out) and the
        loss to rounding (remainders of equal-ranking shares, and of rounding down), all scaled.
        Cost: one step per path and elected candidate on it, plus the equal-ranking ballots.
        """
        scale = self.scale
        keep = self.keep
        votes = [0] * len(keep)
        excess = 0
        loss = 0
        split = self._split
        for passed, stops in self.paths.items():
            total = sum(stops.values())
            if not total:
                continue
            weight = scale
            for c in passed:
                kept, rest = split(weight, keep[c])
                votes[c] += kept * total
                loss += (weight - kept - rest) * total
                weight = rest
                if weight <= 0:
                    break
            if weight <= 0:
                continue
            for stop, count in stops.items():
                if stop == _END:
                    excess += weight * count
                else:
                    votes[stop] += weight * count
        shares: dict[tuple[int, ...], tuple[list[int], int]] = {}
        for ranking, count in self.equal_paths.items():
            if self.equalize:
                kept_total, left = self._equalized(ranking, count, votes, shares)
            else:
                kept_total, left = self._descend(ranking, 0, scale, count, votes)
            excess += left * count
            loss += (scale - kept_total - left) * count
        return votes, excess, loss

    def _descend(
        self, ranking: Ranking, i: int, weight: int, count: int, votes: list[int]
    ) -> tuple[int, int]:
        """Droop's recursive descent for one cut equal-ranking ballot: (kept, left at the end)."""
        if i >= len(ranking):
            return 0, weight
        group = ranking[i]
        share = weight // len(group)
        kept_total = 0
        left_total = 0
        for c in group:
            kept, rest = self._split(share, self.keep[c])
            votes[c] += kept * count
            kept_total += kept
            if rest > 0:
                k, left = self._descend(ranking, i + 1, rest, count, votes)
                kept_total += k
                left_total += left
        return kept_total, left_total

    def _equalized(
        self,
        ranking: Ranking,
        count: int,
        votes: list[int],
        shares: dict[tuple[int, ...], tuple[list[int], int]],
    ) -> tuple[int, int]:
        """stv-rs "equalized counting" of one cut ballot: (kept, left at the end).

        ``shares`` caches, for this iteration, the :meth:`_equal_shares` of groups with an
        elected candidate; ``fixed_shares`` those of the others until a status changes.
        Cost: O(group size) per group, plus the shares of each new group.
        """
        scale = self.scale
        power = scale
        kept_total = 0
        for group in ranking:
            if len(group) == 1:
                kept, power = self._split(power, self.keep[group[0]])
                votes[group[0]] += kept * count
                kept_total += kept
            else:
                known = shares.get(group) or self.fixed_shares.get(group)
                if known is None:
                    known = self._equal_shares(group)
                    if any(self.status[c] == ELECTED for c in group):
                        shares[group] = known  # keep factors below 1 change every iteration
                    else:
                        self.fixed_shares[group] = known
                weights, rest = known
                for c, weight in zip(group, weights, strict=True):
                    kept = power * weight // scale
                    votes[c] += kept * count
                    kept_total += kept
                power = power * rest // scale
            if power == 0:
                break
        return kept_total, power

    def _equal_shares(self, group: tuple[int, ...]) -> tuple[list[int], int]:
        """Each candidate's share of the weight reaching an equal group, and the part passed on.

        A group of ``m`` counts as the mean of its ``m!`` orderings: candidate ``i`` keeps
        ``kf_i / m × Σ_j e_j / C(m-1, j)``, where ``e_j`` are the elementary symmetric sums of
        the other candidates' ``1 - kf``, and ``∏(1 - kf)`` passes on. Every product and
        quotient is truncated to the scale, in stv-rs's order. Cost: O(m³).
        """
        scale = self.scale
        keep = self.keep
        m = len(group)
        unused = [scale - keep[c] for c in group]
        # Only candidates passing something on (elected, excluded) add terms: the others' 1 - kf
        # is 0 and stv-rs skips zero factors. The product over j != i is taken in ballot order,
        # so the product of the factors before i is shared by every later i.
        pascal = [comb(m - 1, k) for k in range(m)]

        def times(poly: list[int], a: int) -> list[int]:
            """``poly × (X + a)``, each new term truncated, as stv-rs's in-place update."""
            return [
                poly[0],
                *[poly[k] + poly[k - 1] * a // scale for k in range(1, len(poly))],
                poly[-1] * a // scale,
            ]

        weights = []
        before = [scale]
        for i, c in enumerate(group):
            if keep[c]:
                poly = before
                for a in unused[i + 1 :]:
                    if a:
                        poly = times(poly, a)
                weight = sum(p // pascal[k] for k, p in enumerate(poly))
                weights.append(weight * keep[c] // scale // m)
            else:
                weights.append(0)
            if unused[i]:
                before = times(before, unused[i])
        rest = scale
        for a in unused:
            rest = rest * a // scale
        return weights, rest


def _split_ballots(election: Election) -> tuple[PrefixIndex, dict[Ranking, int]]:
    """The prefix index of the strict ballots, and the equal-ranking ballots with their weights.

    Withdrawn candidates stay in the index (the count skips them) but are taken out of equal
    groups. The reader's index is used when it covers these ballots. Cost: nothing then;
    otherwise one string per ballot and a sort of the distinct strings.
    """
    given = election.prefix_index
    if given is not None and given.ballots is election.ballots:
        return given, {}
    withdrawn = election.withdrawn
    strict: dict[str, int] = {}
    equal: dict[Ranking, int] = {}
    for ranking, weight in election.ballots:
        if weight <= 0:
            continue
        if any(len(group) != 1 for group in ranking):
            ranking = tuple(
                g for g in (tuple(c for c in g if c not in withdrawn) for g in ranking) if g
            )
            if not ranking or any(len(group) != 1 for group in ranking):
                # valid, if only for withdrawn candidates: then non-transferable from the start
                equal[ranking] = equal.get(ranking, 0) + weight
                continue
        key = "".join([chr(c + 1) for (c,) in ranking])
        strict[key] = strict.get(key, 0) + weight
    return index_from_keys(strict, election.ballots), equal
