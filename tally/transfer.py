"""The count loop of the Gregory family (Scottish STV, IRV), written once.

Follows SSI 2007/42 Schedule 1: rule 45 (first stage: parcels by first preference), 46 (quota),
47 (a candidate whose votes equal or exceed the quota is elected), 48 (the surplus of an
elected candidate passes on every paper the candidate holds, each at
``value × surplus / total`` truncated to the rule's decimals — weighted inclusive Gregory),
49 (largest surplus first, one per stage, ties by earlier stages then lot), 50–51 (otherwise the
lowest candidate is excluded and every paper passes on at the value it was received), 52 (when
the continuing candidates fit the vacancies left they are elected and nothing more is
transferred). A paper passes to its next preference for a continuing candidate, skipping
candidates already elected or excluded; with none left it is non-transferable.

How it stays fast: the ballots are a sorted prefix index (:mod:`tally.prefix`), and each
candidate holds *parcels*: ranges of that index whose rankings share the prefix up to the
candidate, all at one transfer value. Moving a parcel costs one binary search per distinct next
preference, and votes are credited once per parcel (weight total × value), not once per paper.
Only the parcels of the candidate whose surplus or exclusion is being transferred are touched.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from dataclasses import replace
from typing import TYPE_CHECKING

from tally.arithmetic import scale_of
from tally.ballots import Election, group_ballots
from tally.lot import Lot
from tally.prefix import build_prefix_index
from tally.rules import TransferRule
from tally.ties import break_tie
from tally.transcript import Decision, Stage, TieBreak, Transcript, check_balance

if TYPE_CHECKING:
    from tally.constraints import Guard

__all__ = ["count_by_transfer", "default_seed"]

# A parcel: the range [lo, hi) of the prefix index, the holder's position + 1, transfer value.
Parcel = tuple[int, int, int, int]


def default_seed(election: Election) -> str:
    """The seed used when none is given: SHA-256 of the election written as BLT, its identical
    ballots merged and sorted.

    So a draw by lot depends only on the ballots (not on the order of the papers), and anyone
    holding them can repeat it. Cost: sorting and writing the election once, only when a tie
    has to be decided by lot.
    """
    from tally.blt import write_blt

    canonical = replace(election, ballots=tuple(sorted(group_ballots(election.ballots))))
    return hashlib.sha256(write_blt(canonical).encode("utf-8")).hexdigest()


def count_by_transfer(
    election: Election, rule: TransferRule, *, seed: str | None = None, guard: Guard | None = None
) -> Transcript:
    """Count ``election`` under ``rule`` and return the full transcript.

    ``guard`` applies representation constraints (:mod:`tally.constraints`): of candidates
    reaching the quota only those it allows are elected, a doomed candidate is excluded at once
    (one per stage, reason ``"doomed"``) and a guarded one is never excluded as the lowest.

    Raises :class:`tally.errors.CountError` for equal rankings, and should a stage ever fail
    to balance (:func:`tally.transcript.check_balance` runs on every count).

    Cost: building the prefix index unless the reader did
    (:func:`tally.prefix.build_prefix_index`), then for each transfer one binary search per
    distinct next preference of the parcels that move (O(distinct prefixes moved × log
    ballots)); memory is the index plus one tuple per parcel.
    """
    n = len(election.candidates)
    scale = scale_of(rule.decimals)
    index = build_prefix_index(election, rule.name)
    keys, cumulative = index.keys, index.cumulative
    valid = index.total
    seats = election.seats
    quota = rule.droop_quota(valid, seats)

    hopeful = [c not in election.withdrawn for c in range(n)]
    votes = [0] * n
    parcels: list[list[Parcel]] = [[] for _ in range(n)]
    elected: list[int] = []
    excluded: set[int] = set()
    pending: list[int] = []  # elected, surplus not yet transferred
    history: list[tuple[int, ...]] = []
    stages: list[Stage] = []
    non_transferable = 0
    loss = 0

    lot_holder: list[Lot] = []
    seed_used: list[str] = [] if seed is None else [seed]

    def lot() -> Lot:
        if not lot_holder:
            if not seed_used:
                seed_used.append(default_seed(election))
            lot_holder.append(Lot(seed_used[0]))
        return lot_holder[0]

    def credit(lo: int, hi: int, depth: int, value: int) -> int:
        """Pass the papers in [lo, hi), which share their first ``depth`` preferences, to their
        next continuing preference at ``value`` (rules 48(1)-(2), 50(2)-(3)).

        Returns the weight of the papers that are non-transferable. Cost: one binary search
        per distinct next preference, descending through candidates no longer continuing; a
        single ranking is scanned for its next continuing preference directly.
        """
        sorted_keys, running, standing, held, received = keys, cumulative, hopeful, parcels, votes
        exhausted = 0
        work = [(lo, hi, depth)]
        while work:
            lo, hi, depth = work.pop()
            if len(sorted_keys[lo]) == depth:  # papers whose preferences end here
                end = bisect_right(sorted_keys, sorted_keys[lo], lo, hi)
                exhausted += running[end] - running[lo]
                lo = end
            while lo < hi:
                key = sorted_keys[lo]
                mark = key[depth]
                c = ord(mark) - 1
                if lo + 1 == hi or sorted_keys[lo + 1][depth] != mark:
                    end = lo + 1
                    position = depth
                    if not standing[c]:
                        # a single ranking: find its next continuing preference directly
                        for position in range(depth + 1, len(key)):
                            c = ord(key[position]) - 1
                            if standing[c]:
                                break
                        else:
                            exhausted += running[end] - running[lo]
                            lo = end
                            continue
                else:
                    end = bisect_left(sorted_keys, key[:depth] + chr(ord(mark) + 1), lo + 2, hi)
                    if not standing[c]:
                        work.append((lo, end, depth + 1))
                        lo = end
                        continue
                    position = depth
                held[c].append((lo, end, position + 1, value))
                received[c] += (running[end] - running[lo]) * value
                lo = end
        return exhausted

    # Rule 45: the first stage.
    if valid:
        non_transferable = credit(index.start, len(keys), 0, scale) * scale

    def current_quota() -> int:
        if not rule.majority_of_continuing:
            return quota
        held = sum(votes[c] for c in range(n) if hopeful[c])
        return (held // scale // 2 + 1) * scale

    def record(
        action: str,
        subject: int | None,
        value: int | None,
        elect: list[Decision],
        exclude: list[Decision],
        tie: TieBreak | None,
    ) -> None:
        snapshot = tuple(votes)
        history.append(snapshot)
        stages.append(
            Stage(
                number=len(stages) + 1,
                action=action,
                subject=subject,
                transfer_value=value,
                votes=snapshot,
                non_transferable=non_transferable,
                rounding_loss=loss,
                quota=current_quota(),
                elected=tuple(elect),
                excluded=tuple(exclude),
                ties=() if tie is None else (tie,),
            )
        )

    def elect_with_quota() -> list[Decision]:
        """Rule 47: every continuing candidate at or over the quota, highest first."""
        q = current_quota()
        reached = [c for c in range(n) if hopeful[c] and votes[c] >= q]
        reached.sort(key=lambda c: (-votes[c], c))
        if guard is not None and reached:
            reached = guard.screen(reached, list(elected), [c for c in range(n) if hopeful[c]])
        out = []
        for c in reached:
            hopeful[c] = False
            elected.append(c)
            if rule.transfer_surpluses:
                pending.append(c)
            out.append(Decision(c, "majority" if rule.majority_of_continuing else "quota"))
        return out

    def complete() -> bool:
        left = seats - len(elected)
        return left <= 0 or sum(hopeful) <= left

    def exclude(chosen: int, decision: Decision) -> None:
        """Rules 50(2)-(3): exclude ``chosen`` and pass on every paper at its value."""
        nonlocal non_transferable
        hopeful[chosen] = False
        excluded.add(chosen)
        moved = parcels[chosen]
        parcels[chosen] = []
        votes[chosen] = 0
        for lo, hi, depth, value in moved:
            non_transferable += credit(lo, hi, depth, value) * value
        record("exclusion", chosen, None, [], [decision], None)

    record("first count", None, None, [], [], None)
    while True:
        newly = elect_with_quota()
        if newly:
            stages[-1] = replace(stages[-1], elected=stages[-1].elected + tuple(newly))
        if complete():
            break
        if guard is not None:
            doomed = guard.doomed(list(elected), [c for c in range(n) if hopeful[c]])
            if doomed:
                chosen = min((c for c, _ in doomed), key=lambda c: (votes[c], c))
                exclude(chosen, Decision(chosen, "doomed"))
                continue
        if pending:
            # Rules 48–49: the largest surplus, one per stage.
            top = max(votes[c] for c in pending)
            chosen, tie = break_tie(
                [c for c in pending if votes[c] == top],
                history,
                lowest=False,
                purpose="surplus",
                lot=lot,
                tie_order=election.tie_order,
            )
            pending.remove(chosen)
            total = votes[chosen]
            surplus = total - quota
            if surplus <= 0:
                continue  # exactly the quota: nothing to transfer (rule 48(1))
            moved = parcels[chosen]
            parcels[chosen] = []
            before = sum(votes)
            exhausted_value = 0
            for lo, hi, depth, old in moved:
                value = old * surplus // total
                exhausted_value += credit(lo, hi, depth, value) * value
            credited = sum(votes) - before
            votes[chosen] = quota
            non_transferable += exhausted_value
            loss += surplus - credited - exhausted_value
            record("surplus", chosen, scale * surplus // total, [], [], tie)
            continue
        # Rules 50–51: exclude the lowest continuing candidate.
        pool = [c for c in range(n) if hopeful[c]]
        if guard is not None:
            protected = guard.guarded(list(elected), pool)
            pool = [c for c in pool if c not in protected] or pool
        low = min(votes[c] for c in pool)
        chosen, tie = break_tie(
            [c for c in pool if votes[c] == low],
            history,
            lowest=True,
            purpose="exclude",
            lot=lot,
            tie_order=election.tie_order,
        )
        exclude(chosen, Decision(chosen, "lowest", tie))
        if complete():
            break

    # Rule 52: the last vacancies; then the rest are not elected.
    left = seats - len(elected)
    tail_elect = []
    tail_exclude = []
    rest = sorted((c for c in range(n) if hopeful[c]), key=lambda c: (-votes[c], c))
    for c in rest:
        hopeful[c] = False
        if left > 0:
            elected.append(c)
            left -= 1
            tail_elect.append(Decision(c, "last continuing"))
        else:
            excluded.add(c)
            tail_exclude.append(Decision(c, "remaining"))
    if tail_elect or tail_exclude:
        last = stages[-1]
        stages[-1] = replace(
            last,
            elected=last.elected + tuple(tail_elect),
            excluded=last.excluded + tuple(tail_exclude),
        )
    transcript = Transcript(
        rule=rule.name,
        title=election.title,
        candidates=election.candidates,
        seats=seats,
        valid_votes=valid * scale,
        decimals=rule.decimals,
        quota=quota if not rule.majority_of_continuing else stages[0].quota,
        stages=tuple(stages),
        elected=tuple(elected),
        withdrawn=election.withdrawn,
        seed=seed_used[0] if seed_used else None,
    )
    check_balance(transcript)  # a safety net: every stage accounts for every valid vote
    return transcript
