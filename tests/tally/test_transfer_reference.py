"""The fast count (prefix index, parcels) agrees with a plain paper-by-paper Scottish STV count.

The reference below moves every ballot paper on its own, exactly as SSI 2007/42 rules 45–52
describe, with no index, no parcels and no shared prefixes; ties go through the same
:func:`tally.ties.break_tie`. On generated elections both must give the same votes,
non-transferable votes and loss to rounding at every stage, and the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings

from tally.ballots import Election
from tally.lot import Lot
from tally.rules import SCOTTISH
from tally.ties import break_tie
from tests.strategies import elections


@dataclass
class _Paper:
    ranking: tuple[int, ...]
    weight: int
    value: int
    at: int = -1


def _reference(
    election: Election, seed: str
) -> tuple[list[tuple[tuple[int, ...], int, int]], list[int]]:
    n = len(election.candidates)
    scale = 10**5
    papers = [_Paper(tuple(c for (c,) in r), w, scale) for r, w in election.ballots if r]
    valid = sum(p.weight for p in papers)
    quota = (valid // (election.seats + 1) + 1) * scale
    hopeful = [c not in election.withdrawn for c in range(n)]
    held: list[list[_Paper]] = [[] for _ in range(n)]
    votes = [0] * n
    nt = loss = 0
    elected: list[int] = []
    pending: list[int] = []
    history: list[tuple[int, ...]] = []
    stages: list[tuple[tuple[int, ...], int, int]] = []
    lot = Lot(seed)

    def move(paper: _Paper) -> int:
        """Give the paper to its next continuing preference; its value if non-transferable."""
        for k in range(paper.at + 1, len(paper.ranking)):
            c = paper.ranking[k]
            if hopeful[c]:
                paper.at = k
                held[c].append(paper)
                votes[c] += paper.weight * paper.value
                return 0
        return paper.weight * paper.value

    for paper in papers:
        nt += move(paper)

    def record() -> None:
        history.append(tuple(votes))
        stages.append((tuple(votes), nt, loss))

    def complete() -> bool:
        left = election.seats - len(elected)
        return left <= 0 or sum(hopeful) <= left

    record()
    while True:
        for c in sorted(
            (c for c in range(n) if hopeful[c] and votes[c] >= quota), key=lambda c: (-votes[c], c)
        ):
            hopeful[c] = False
            elected.append(c)
            pending.append(c)
        if complete():
            break
        if pending:
            top = max(votes[c] for c in pending)
            chosen, _ = break_tie(
                [c for c in pending if votes[c] == top],
                history,
                lowest=False,
                purpose="surplus",
                lot=lambda: lot,
            )
            pending.remove(chosen)
            total, surplus = votes[chosen], votes[chosen] - quota
            if surplus <= 0:
                continue
            before = sum(votes)
            moving, held[chosen] = held[chosen], []
            lost_nt = 0
            for paper in moving:
                paper.value = paper.value * surplus // total
                lost_nt += move(paper)
            moved = sum(votes) - before
            votes[chosen] = quota
            nt += lost_nt
            loss += surplus - moved - lost_nt
            record()
            continue
        low = min(votes[c] for c in range(n) if hopeful[c])
        chosen, _ = break_tie(
            [c for c in range(n) if hopeful[c] and votes[c] == low],
            history,
            lowest=True,
            purpose="exclude",
            lot=lambda: lot,
        )
        hopeful[chosen] = False
        moving, held[chosen] = held[chosen], []
        votes[chosen] = 0
        for paper in moving:
            nt += move(paper)
        record()
        if complete():
            break
    rest = sorted((c for c in range(n) if hopeful[c]), key=lambda c: (-votes[c], c))
    elected.extend(rest[: max(0, election.seats - len(elected))])
    return stages, elected


@settings(max_examples=300)
@given(elections(max_candidates=7, max_ballots=40))
def test_the_fast_count_matches_a_paper_by_paper_count(election):
    stages, elected = _reference(election, "reference")
    t = SCOTTISH.count(election, seed="reference")
    assert [(s.votes, s.non_transferable, s.rounding_loss) for s in t.stages] == stages
    assert list(t.elected) == elected
