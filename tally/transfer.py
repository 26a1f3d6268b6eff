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

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tally.arithmetic import droop_quota, majority_of, mul_div_down, scale_of
from tally.ballots import Election, PrefixIndex
from tally.constraints import Constraint, Guard, check_feasible, constraint_notes
from tally.errors import CountError
from tally.prefix import build_prefix_index
from tally.seeded_lot import SeededLot
from tally.ties import break_tie
from tally.transcript import Decision, Stage, TieBreak, Transcript, check_balance

__all__ = ["IRV", "SCOTTISH", "TransferRule", "count_by_transfer", "papers_held"]

# A parcel: the range [lo, hi) of the prefix index, the holder's position + 1, transfer value.
Parcel = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class TransferRule:
    """A rule of the Gregory family: votes move as whole parcels at a transfer value.

    ``decimals``: transfer values and votes are truncated to this many places (rule 48(3)).
    ``transfer_surpluses``: surpluses are transferred (STV); IRV elects on a majority and stops.
    ``majority_of_continuing``: the quota is recomputed each stage as a majority of the votes
    still held by continuing candidates (IRV) instead of the Droop quota of valid votes
    (rule 46).
    """

    name: str
    decimals: int
    transfer_surpluses: bool
    majority_of_continuing: bool
    title: str

    def droop_quota(self, valid_papers: int, seats: int) -> int:
        """⌊valid papers / (seats + 1)⌋ + 1, scaled (SSI 2007/42 rule 46). Cost: O(1)."""
        return droop_quota(valid_papers, seats, scale_of(self.decimals))

    def count(
        self,
        election: Election,
        *,
        seed: str | None = None,
        constraints: Sequence[Constraint] = (),
    ) -> Transcript:
        """Count by :func:`count_by_transfer` under this rule, with ``constraints`` if any
        (:mod:`tally.constraints`; a rule that transfers no surplus, IRV, refuses them)."""
        if not constraints:
            return count_by_transfer(election, self, seed=seed)
        if not self.transfer_surpluses:
            raise CountError(
                f"representation constraints work with scottish or meek, not {self.name!r}"
            )
        guard = check_feasible(election, constraints)
        transcript = count_by_transfer(election, self, seed=seed, guard=guard)
        return constraint_notes(transcript, election, guard, doomed_noted=False)


SCOTTISH = TransferRule(
    name="scottish",
    decimals=5,
    transfer_surpluses=True,
    majority_of_continuing=False,
    title="Scottish STV (SSI 2007/42 Schedule 1, rules 45–52)",
)
IRV = TransferRule(
    name="irv",
    decimals=0,
    transfer_surpluses=False,
    majority_of_continuing=True,
    title="Instant-runoff voting (majority of continuing votes, one exclusion per stage)",
)


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
    return _run(election, rule, seed, guard).transcript()


def papers_held(
    election: Election, rule: TransferRule, candidate: int, *, seed: str | None = None
) -> tuple[Transcript, dict[str, int]]:
    """Count ``election`` and return, beside the transcript, the papers ``candidate`` holds at
    the end: ranking key (candidate ``c`` is ``chr(c + 1)``) to weight × the value the
    candidate keeps (scaled; after a surplus transfer a paper received at ``v`` and passed on
    at ``t`` keeps ``v - t``). Used by :mod:`tally.countback`. Cost: one count, then one entry
    per paper the candidate holds."""
    count = _run(election, rule, seed, None)
    keys, running = count.index.keys, count.index.cumulative
    held: dict[str, int] = {}
    for lo, hi, _depth, value in count.parcels[candidate]:
        for i in range(lo, hi):
            held[keys[i]] = held.get(keys[i], 0) + (running[i + 1] - running[i]) * value
    return count.transcript(), held


def _run(election: Election, rule: TransferRule, seed: str | None, guard: Guard | None) -> _Count:
    count = _Count(election, rule, seed, guard)
    count.first_stage()  # rule 45
    while True:
        count.elect_those_at_quota()  # rule 47
        if count.complete():
            break
        if count.exclude_a_doomed_candidate():
            continue
        if count.pending:
            count.transfer_the_largest_surplus()  # rules 48-49
            continue
        count.exclude_the_lowest()  # rules 50-51
        if count.complete():
            break
    count.fill_the_last_vacancies()  # rule 52
    check_balance(count.transcript())  # a safety net: every stage accounts for every valid vote
    return count


class _Count:
    """The state of one count: who holds which parcels, the votes, the stages so far."""

    def __init__(
        self, election: Election, rule: TransferRule, seed: str | None, guard: Guard | None
    ) -> None:
        n = len(election.candidates)
        self.election = election
        self.rule = rule
        self.guard = guard
        self.n = n
        self.scale = scale_of(rule.decimals)
        self.index: PrefixIndex = build_prefix_index(election, rule.name)
        self.valid = self.index.total
        self.seats = election.seats
        self.quota = rule.droop_quota(self.valid, self.seats)
        self.hopeful = [c not in election.withdrawn for c in range(n)]
        self.votes = [0] * n
        self.parcels: list[list[Parcel]] = [[] for _ in range(n)]
        self.elected: list[int] = []
        self.excluded: set[int] = set()
        self.pending: list[int] = []  # elected, surplus not yet transferred
        self.history: list[tuple[int, ...]] = []
        self.stages: list[Stage] = []
        self.non_transferable = 0
        self.loss = 0
        self.lot = SeededLot(election, seed)

    def continuing(self) -> list[int]:
        """The hopeful candidates, in file order."""
        return [c for c in range(self.n) if self.hopeful[c]]

    def credit(self, lo: int, hi: int, depth: int, value: int) -> int:
        """Pass the papers in [lo, hi), which share their first ``depth`` preferences, to their
        next continuing preference at ``value`` (rules 48(1)-(2), 50(2)-(3)).

        Returns the weight of the papers that are non-transferable. Cost: one binary search
        per distinct next preference, descending through candidates no longer continuing; a
        single ranking is scanned for its next continuing preference directly.
        """
        sorted_keys, running = self.index.keys, self.index.cumulative
        standing, held, received = self.hopeful, self.parcels, self.votes
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

    def current_quota(self) -> int:
        """The Droop quota, or for IRV a majority of the votes the continuing hold."""
        if not self.rule.majority_of_continuing:
            return self.quota
        return majority_of(sum(self.votes[c] for c in self.continuing()), self.scale)

    def record(
        self,
        action: str,
        subject: int | None = None,
        value: int | None = None,
        exclude: Sequence[Decision] = (),
        tie: TieBreak | None = None,
    ) -> None:
        """Close a stage: its votes, non-transferable papers, rounding loss and decisions."""
        snapshot = tuple(self.votes)
        self.history.append(snapshot)
        self.stages.append(
            Stage(
                number=len(self.stages) + 1,
                action=action,
                subject=subject,
                transfer_value=value,
                votes=snapshot,
                non_transferable=self.non_transferable,
                rounding_loss=self.loss,
                quota=self.current_quota(),
                elected=(),
                excluded=tuple(exclude),
                ties=() if tie is None else (tie,),
            )
        )

    def amend_last_stage(self, elect: Sequence[Decision], exclude: Sequence[Decision]) -> None:
        """Add decisions taken at the end of the last stage to it."""
        last = self.stages[-1]
        self.stages[-1] = replace(
            last, elected=last.elected + tuple(elect), excluded=last.excluded + tuple(exclude)
        )

    def first_stage(self) -> None:
        """Rule 45: every valid paper to its first preference at full value."""
        if self.valid:
            index = self.index
            self.non_transferable = self.credit(index.start, len(index.keys), 0, self.scale)
            self.non_transferable *= self.scale
        self.record("first count")

    def elect_those_at_quota(self) -> None:
        """Rule 47: every continuing candidate at or over the quota, highest first (those the
        constraints allow), recorded in the stage that got them there."""
        q = self.current_quota()
        votes = self.votes
        reached = [c for c in self.continuing() if votes[c] >= q]
        reached.sort(key=lambda c: (-votes[c], c))
        if self.guard is not None and reached:
            reached = self.guard.screen(reached, list(self.elected), self.continuing())
        reason = "majority" if self.rule.majority_of_continuing else "quota"
        for c in reached:
            self.hopeful[c] = False
            self.elected.append(c)
            if self.rule.transfer_surpluses:
                self.pending.append(c)
        if reached:
            self.amend_last_stage([Decision(c, reason) for c in reached], ())

    def complete(self) -> bool:
        """Every seat filled, or no more continuing candidates than seats left (rule 52)."""
        left = self.seats - len(self.elected)
        return left <= 0 or sum(self.hopeful) <= left

    def exclude(self, chosen: int, decision: Decision) -> None:
        """Rules 50(2)-(3): exclude ``chosen`` and pass on every paper at its value."""
        self.hopeful[chosen] = False
        self.excluded.add(chosen)
        moved = self.parcels[chosen]
        self.parcels[chosen] = []
        self.votes[chosen] = 0
        for lo, hi, depth, value in moved:
            self.non_transferable += self.credit(lo, hi, depth, value) * value
        self.record("exclusion", chosen, exclude=[decision])

    def exclude_a_doomed_candidate(self) -> bool:
        """Constraints: exclude the doomed candidate with the fewest votes, as a stage of its
        own before any surplus; False when no one is doomed."""
        if self.guard is None:
            return False
        doomed = self.guard.doomed(list(self.elected), self.continuing())
        if not doomed:
            return False
        votes = self.votes
        chosen = min((c for c, _ in doomed), key=lambda c: (votes[c], c))
        self.exclude(chosen, Decision(chosen, "doomed"))
        return True

    def transfer_the_largest_surplus(self) -> None:
        """Rules 48–49: the largest surplus, one per stage (ties by earlier stages, then lot);
        each parcel moves at ``value × surplus / total`` truncated (rule 48(3)). A candidate
        on exactly the quota has nothing to transfer and makes no stage."""
        votes = self.votes
        top = max(votes[c] for c in self.pending)
        chosen, tie = break_tie(
            [c for c in self.pending if votes[c] == top],
            self.history,
            lowest=False,
            purpose="surplus",
            lot=self.lot,
            tie_order=self.election.tie_order,
        )
        self.pending.remove(chosen)
        total = votes[chosen]
        surplus = total - self.quota
        if surplus <= 0:
            return  # exactly the quota: nothing to transfer (rule 48(1))
        moved = self.parcels[chosen]
        kept: list[Parcel] = []  # what stays with the elected candidate (for a countback)
        before = sum(votes)
        exhausted_value = 0
        for lo, hi, depth, old in moved:
            value = mul_div_down(old, surplus, total)
            kept.append((lo, hi, depth, old - value))
            exhausted_value += self.credit(lo, hi, depth, value) * value
        self.parcels[chosen] = kept
        credited = sum(votes) - before
        votes[chosen] = self.quota
        self.non_transferable += exhausted_value
        self.loss += surplus - credited - exhausted_value
        self.record("surplus", chosen, mul_div_down(self.scale, surplus, total), tie=tie)

    def exclude_the_lowest(self) -> None:
        """Rules 50–51: exclude the continuing candidate with the fewest votes (not a guarded
        one while another is left), ties by earlier stages, then lot."""
        pool = self.continuing()
        if self.guard is not None:
            protected = self.guard.guarded(list(self.elected), pool)
            pool = [c for c in pool if c not in protected] or pool
        votes = self.votes
        low = min(votes[c] for c in pool)
        chosen, tie = break_tie(
            [c for c in pool if votes[c] == low],
            self.history,
            lowest=True,
            purpose="exclude",
            lot=self.lot,
            tie_order=self.election.tie_order,
        )
        self.exclude(chosen, Decision(chosen, "lowest", tie))

    def fill_the_last_vacancies(self) -> None:
        """Rule 52: the continuing fill the vacancies left, most votes first; then the rest
        are not elected. Both are recorded on the last stage."""
        left = self.seats - len(self.elected)
        tail_elect = []
        tail_exclude = []
        votes = self.votes
        for c in sorted(self.continuing(), key=lambda c: (-votes[c], c)):
            self.hopeful[c] = False
            if left > 0:
                self.elected.append(c)
                left -= 1
                tail_elect.append(Decision(c, "last continuing"))
            else:
                self.excluded.add(c)
                tail_exclude.append(Decision(c, "remaining"))
        if tail_elect or tail_exclude:
            self.amend_last_stage(tail_elect, tail_exclude)

    def transcript(self) -> Transcript:
        """The count as a :class:`Transcript`."""
        rule = self.rule
        return Transcript(
            rule=rule.name,
            title=self.election.title,
            candidates=self.election.candidates,
            seats=self.seats,
            valid_votes=self.valid * self.scale,
            decimals=rule.decimals,
            quota=self.quota if not rule.majority_of_continuing else self.stages[0].quota,
            stages=tuple(self.stages),
            elected=tuple(self.elected),
            withdrawn=self.election.withdrawn,
            seed=self.lot.seed,
        )
