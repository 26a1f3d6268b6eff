"""The election as data: candidates, seats, withdrawn candidates and grouped ballots.

This is the shared model every rule counts (Scottish STV, IRV, Meek, constraints):

- candidates are numbered ``0 .. n-1`` in file order; ``Election.candidates`` holds their names
  exactly as written in the file;
- a ballot is a :class:`Ballot`: a ``ranking`` that is a tuple of preference *groups* (each a
  tuple of candidate numbers, in file order) and an integer ``weight`` (how many identical
  papers it stands for). A group of one candidate is an ordinary preference; a group of several
  is an equal ranking ``a=b``, which Meek STV defines and Scottish STV and IRV reject
  (:func:`tally.prefix.build_prefix_index` refuses them). Groups of one are interned
  (:func:`single`), so a million ballots do not hold twenty million tuples;
- a ranking already stops where the paper stops: readers cut it at a skipped or repeated
  preference and at an overvote, so a rule never sees those;
- optional per-candidate ``attributes`` (sets of labels) are for representation constraints.

Cost: a ballot is one small tuple plus the shared groups; :func:`group_ballots` merges identical
rankings in one pass over the papers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, overload

from tally.errors import CountError

__all__ = [
    "Ballot",
    "Election",
    "KeyedBallots",
    "PrefixIndex",
    "Ranking",
    "group_ballots",
    "single",
]

Ranking = tuple[tuple[int, ...], ...]
"""Preference groups, most preferred first; each group holds one candidate unless ranked equal."""

_SINGLES: list[tuple[int]] = [(i,) for i in range(256)]


def single(candidate: int) -> tuple[int]:
    """The shared one-candidate group for ``candidate`` (interned, so rankings share it)."""
    if 0 <= candidate < len(_SINGLES):
        return _SINGLES[candidate]
    return (candidate,)


class Ballot(NamedTuple):
    """``weight`` identical ballot papers with this ``ranking`` (a tuple of preference groups)."""

    ranking: Ranking
    weight: int = 1


_GROUP_OF_CHAR = {chr(c + 1): group for c, group in enumerate(_SINGLES)}


class KeyedBallots(Sequence[Ballot]):
    """Strict ballots held as ranking strings (candidate ``c`` is ``chr(c + 1)``) with their
    weights, in first-seen order; the :class:`Ballot` tuples are made only when first asked
    for, once. A reader hands these over with the prefix index it built from the same strings,
    so a count that only needs the index never makes a million tuples. Equal to the tuple of
    the same ballots."""

    __slots__ = ("_made", "_weight_of")

    def __init__(self, weight_of: dict[str, int]) -> None:
        self._weight_of = weight_of
        self._made: tuple[Ballot, ...] | None = None

    def _all(self) -> tuple[Ballot, ...]:
        if self._made is None:
            get = _GROUP_OF_CHAR.__getitem__
            try:
                made = tuple(Ballot(tuple(map(get, k)), w) for k, w in self._weight_of.items())
            except KeyError:  # more than 256 candidates: groups beyond the interned ones
                made = tuple(
                    Ballot(tuple(single(ord(ch) - 1) for ch in k), w)
                    for k, w in self._weight_of.items()
                )
            self._made = made
        return self._made

    def __len__(self) -> int:
        return len(self._weight_of)

    @overload
    def __getitem__(self, k: int) -> Ballot: ...

    @overload
    def __getitem__(self, k: slice) -> tuple[Ballot, ...]: ...

    def __getitem__(self, k: int | slice) -> Ballot | tuple[Ballot, ...]:
        return self._all()[k]

    def __iter__(self) -> Iterator[Ballot]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KeyedBallots | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


@dataclass(frozen=True, slots=True)
class PrefixIndex:
    """Strict rankings as sorted strings (candidate ``c`` is ``chr(c + 1)``) with cumulative
    weights: ``cumulative[i]`` is the weight of ``keys[:i]``; keys before ``start`` are empty
    rankings (not valid papers). ``ballots`` is the tuple it was built from. See
    :mod:`tally.prefix`."""

    keys: list[str]
    cumulative: list[int]
    start: int
    ballots: Sequence[Ballot]

    @property
    def total(self) -> int:
        """The number of valid ballot papers (rule 45(3))."""
        return self.cumulative[-1] - self.cumulative[self.start]


@dataclass(frozen=True, slots=True)
class Election:
    """One contest to count: what a BLT file holds.

    ``withdrawn`` candidates stay in ``candidates`` (so numbering and names stay as in the
    file) but take no part in the count: preferences for them are skipped. ``tie_order``, when a
    file gives one (BLT ``[tie …]``), is a lot drawn in advance: the candidate earlier in it wins
    a tie that would otherwise be broken by lot. ``attributes[i]`` is the set of labels of
    candidate ``i`` (empty when the contest has no constraints).
    """

    candidates: tuple[str, ...]
    seats: int
    ballots: Sequence[Ballot]
    title: str = ""
    withdrawn: frozenset[int] = frozenset()
    tie_order: tuple[int, ...] | None = None
    nicknames: tuple[str, ...] | None = None
    attributes: tuple[frozenset[str], ...] = field(default=())
    prefix_index: PrefixIndex | None = field(default=None, compare=False, repr=False)
    """The ballots already sorted as a prefix index (:mod:`tally.prefix`), when a reader built
    it while reading; used only while it belongs to these very ``ballots``."""

    def __post_init__(self) -> None:
        n = len(self.candidates)
        if self.seats < 1:
            raise CountError(f"an election needs at least one seat, not {self.seats}")
        bad = [c for c in self.withdrawn if not 0 <= c < n]
        if bad:
            raise CountError(f"withdrawn candidate number {bad[0] + 1} is not a candidate")
        if self.attributes and len(self.attributes) != n:
            raise CountError("attributes must be given for every candidate or for none")

    @property
    def valid_papers(self) -> int:
        """The number of valid ballot papers, rule 45(3): the weights of every ballot that
        gives at least one preference (an empty paper is not valid). Cost: one pass."""
        return sum(weight for ranking, weight in self.ballots if ranking)

    @property
    def continuing(self) -> tuple[int, ...]:
        """Candidates standing in the count: all but the withdrawn, in file order."""
        return tuple(i for i in range(len(self.candidates)) if i not in self.withdrawn)

    def name(self, candidate: int) -> str:
        """The candidate's name exactly as in the file."""
        return self.candidates[candidate]


def group_ballots(ballots: Iterable[Ballot]) -> tuple[Ballot, ...]:
    """Merge ballots with identical rankings, adding their weights; first-seen order is kept.

    Why: identical papers are then counted once with a weight. Cost: one dict insertion per
    ballot.
    """
    merged: dict[Ranking, int] = {}
    for ranking, weight in ballots:
        merged[ranking] = merged.get(ranking, 0) + weight
    return tuple(Ballot(r, w) for r, w in merged.items())
