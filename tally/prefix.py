"""Ballots as a sorted prefix index: every set of rankings that share a prefix is one range.

Each strict ranking is written as a string with one character per candidate (candidate ``c``
is ``chr(c + 1)``) and the strings are sorted. Then the rankings that begin with a given prefix
are a contiguous range ``[lo, hi)`` of the sorted list, and the weight of any range is
``cumulative[hi] - cumulative[lo]``. A parcel of ballot papers (SSI 2007/42 rule 48: the papers
a candidate holds, sorted by next preference) is such a range plus the position of the holder
in it, so moving a parcel costs one binary search per next preference rather than one step per
paper: the work is per distinct prefix that moves, and identical papers cost nothing extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from operator import itemgetter

from tally.ballots import Ballot, Election, PrefixIndex, single
from tally.errors import CountError

__all__ = ["build_prefix_index", "index_from_keys"]


def build_prefix_index(election: Election, rule: str) -> PrefixIndex:
    """Index ``election``'s ballots for counting under ``rule`` (Scottish STV, IRV).

    A ballot with no preference at all is not a valid paper (rule 45 sorts valid papers by first
    preference) and is left out; preferences for withdrawn candidates stay in the strings and
    are skipped by the count like any candidate no longer continuing. Raises
    :class:`CountError` if a ballot ranks candidates equal, which ``rule`` does not define.
    A reader may have built the index already (``Election.prefix_index``, kept only while it
    belongs to the same ballots): then it is returned as is. Otherwise, cost: one string per
    ballot, a sort of the m distinct strings (O(m log m) comparisons) and one pass for the
    cumulative weights; memory about one short string per ballot.
    """
    given = election.prefix_index
    if given is not None and given.ballots is election.ballots:
        return given
    code: dict[tuple[int, ...], str] = {
        single(c): chr(c + 1) for c in range(len(election.candidates))
    }
    get = code.__getitem__
    join = "".join
    ballots = election.ballots
    try:
        keys = [join(map(get, ranking)) for ranking, _ in ballots]
    except KeyError:
        _raise_equal_ranking(election, code, rule)
    weight_of = dict(zip(keys, map(itemgetter(1), ballots), strict=True))
    if len(weight_of) != len(keys):  # the same ranking more than once: add the weights
        weight_of = {}
        for key, (_, weight) in zip(keys, ballots, strict=True):
            weight_of[key] = weight_of.get(key, 0) + weight
    return index_from_keys(weight_of, ballots)


def index_from_keys(weight_of: dict[str, int], ballots: Sequence[Ballot]) -> PrefixIndex:
    """The index of distinct ranking strings with their weights (readers call this).

    Cost: a sort of the strings and one pass for the cumulative weights.
    """
    keys = sorted(weight_of)
    cumulative = list(accumulate(map(weight_of.__getitem__, keys), initial=0))
    start = 0
    while start < len(keys) and not keys[start]:
        start += 1
    return PrefixIndex(keys, cumulative, start, ballots)


def _raise_equal_ranking(election: Election, code: dict[tuple[int, ...], str], rule: str) -> None:
    for ranking, weight in election.ballots:
        for group in ranking:
            if group not in code:
                names = "=".join(election.candidates[c] for c in group)
                raise CountError(
                    f"{weight} ballot paper(s) rank candidates equal ({names}): {rule} does "
                    "not define equal rankings (Meek STV does)"
                )
    raise CountError("a ballot names a candidate that is not standing")  # pragma: no cover
