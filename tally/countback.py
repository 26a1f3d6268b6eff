"""Countback: fill a casual vacancy by recounting the ballot papers that elected the member who
left, instead of holding a by-election.

The rule implemented (after the Hare-Clark countback used in Tasmania and the Australian
Capital Territory; Scottish councils hold by-elections instead, so this is the organisation's
choice, not SSI 2007/42):

1. The original election is counted again, exactly as it was (Scottish STV, or IRV, with the
   same seed), and the departed member must be among those it elected.
2. The papers taken are those the departed member holds at the end of that count, each at the
   value it still holds for them: a paper received at value ``v`` whose share of the surplus
   passed on at ``t`` counts ``v - t`` (so their papers together are worth the quota, plus the
   crumbs lost to rounding); a member whose surplus was never transferred keeps theirs whole.
3. Standing are the candidates of the original election who were not elected, are not withdrawn
   and have not said they will not stand. The departed member, the members still elected and
   those not standing are skipped on every paper.
4. Each paper counts, from its first preference, for the highest standing candidate on it
   (none: non-transferable), and the papers are counted for one seat by instant-runoff, the
   one-seat form of STV: a candidate with a majority of the votes still held by standing
   candidates is elected; otherwise the lowest is excluded and their papers pass on at their
   value, ties by earlier stages and then by lot (:mod:`tally.ties`). Values stay scaled
   integers (the original rule's decimals), never rounded further.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass

from tally.ballots import Ballot, Election, single
from tally.errors import CountError
from tally.transcript import Transcript
from tally.transfer import IRV, SCOTTISH, TransferRule, count_by_transfer, papers_held

__all__ = ["Countback", "countback"]


@dataclass(frozen=True, slots=True)
class Countback:
    """The outcome: the original count, who left, who stood, and the one-seat recount."""

    original: Transcript
    departed: int
    standing: tuple[int, ...]
    recount: Transcript

    @property
    def winner(self) -> int:
        """The candidate who fills the vacancy."""
        return self.recount.elected[0]


def countback(
    election: Election,
    departed: int,
    not_standing: Collection[int] = (),
    *,
    rule: TransferRule = SCOTTISH,
    seed: str | None = None,
) -> Countback:
    """Fill ``departed``'s seat by countback (the rule in the module docstring).

    Raises :class:`CountError` when ``departed`` was not elected or nobody is left to stand.
    Cost: the original count, then an IRV count of the departed member's papers.
    """
    n = len(election.candidates)
    if not 0 <= departed < n:
        raise CountError(f"candidate number {departed + 1} is not a candidate")
    original, held = papers_held(election, rule, departed, seed=seed)
    if departed not in original.elected:
        raise CountError(
            f"{election.name(departed)} was not elected, so there is no seat to fill by countback"
        )
    excluded = set(original.elected) | set(not_standing) | set(election.withdrawn)
    standing = tuple(c for c in range(n) if c not in excluded)
    if not standing:
        raise CountError("nobody is left to stand in the countback")
    papers = tuple(
        Ballot(tuple(single(ord(ch) - 1) for ch in key), value)
        for key, value in held.items()
        if value > 0
    )
    recount_election = dataclasses.replace(
        election,
        seats=1,
        ballots=papers,
        withdrawn=frozenset(c for c in range(n) if c not in standing),
        prefix_index=None,
        attributes=(),
    )
    # IRV counts whole units; the papers' values are already scaled by the original rule's
    # decimals, so the recount is shown at those decimals.
    recount = count_by_transfer(recount_election, IRV, seed=original.seed)
    recount = dataclasses.replace(
        recount, decimals=rule.decimals, title=f"countback for {election.name(departed)}"
    )
    return Countback(original, departed, standing, recount)
