"""Meek STV in 9-decimal fixed point: Hill, Wichmann and Woodall, "Algorithm 123", 1987.

Every candidate has a *keep factor*: the share of each vote reaching them that they keep
(1 while hopeful, less once elected, 0 once excluded or withdrawn). A ballot gives each
candidate in its order ``weight × keep factor`` and passes the rest on; keep factors of the
elected are lowered, iteration by iteration, until every elected candidate holds about a quota.
The rule followed is the PR Foundation's reference Meek rule (Droop's ``meek-prf``), with its
step numbers:

- A. keep factors 1, omega 0.000001; the quota of the first count is ``valid / (seats + 1)``
  truncated to 9 places plus 0.000000001;
- B.2.a each candidate on a ballot keeps ``w × kf`` *rounded up* to 9 places and ``w`` is
  reduced by that much (Hill's rounding: nothing is lost, what no one keeps is excess);
- B.2.b quota = total votes held by candidates / (seats + 1), truncated, plus 0.000000001;
- B.2.c a hopeful candidate with ``votes >= quota`` is elected (in ballot-file order);
- B.2.d surplus = sum of ``votes - quota`` over the elected, not less than 0;
- B.2.e an iteration that elects ends the round; otherwise the round ends when the surplus is
  below omega, or stops falling ("stable");
- B.2.f new keep factor = ``kf × quota`` rounded up, divided by ``votes`` rounded up;
- B.3 otherwise the hopeful candidate with the fewest votes is excluded; every hopeful within
  the surplus of the lowest is tied with it. No batch exclusions.

:data:`PARAMETRIC` is Droop's ``meek`` rule at fixed 9 places, omega 10⁻⁶, no batch
exclusions, which the stv-rs ``fixed9`` transcripts follow: a candidate keeps ``w × kf``
*rounded down* and passes ``w × (1 - kf)`` rounded down (what the roundings lose is excess),
the round ends when the surplus is at most omega, and a negative total surplus is kept as it is
(the tie window for exclusion is then 0).

Equal rankings (``a=b``): the weight reaching a group is divided equally (truncated) among the
group's candidates still standing, and what each passes on descends, separately, to the next
group — the recursive descent of Droop and stv-rs. Under :data:`PARAMETRIC` a ballot stops at a
group whose candidates are all excluded, as theirs does; :data:`RULE` skips such a group. With
``equalize`` (stv-rs ``--equalize``) a group counts instead as the mean of its orderings.

Ties for exclusion: the file's ``[tie]`` order when it gives one (Droop and stv-rs treat the
file order as a lot drawn in advance), otherwise by lot (:class:`tally.lot.Lot`) through
:func:`tally.ties.break_tie`; earlier stages are not consulted, as neither reference does.

Transcript: stage 1 is the first count; each later stage is one *round* — the iterations that
ended in an election or an exclusion — with the votes, keep factors and quota of its last
iteration (an excluded candidate still shows the votes they are excluded with; their ballots
move in the next round). When the count ends right after an exclusion, one more distribution is
recorded as ``last vacancies``. Excess (votes that reach no one) is ``non_transferable``; the
remainders of dividing among equal rankings and of the rounding down of :data:`PARAMETRIC` are
``rounding_loss``. The notes give each round's iterations, surplus and why it ended.

Cost: see :mod:`tally.meek_paths`; each iteration costs one step per distinct path of elected
candidates, so a million ballots cost about as much per iteration as a thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tally.arithmetic import format_fixed, mul_div_up, quota_above, scale_of
from tally.ballots import Election
from tally.constraints import Constraint, Guard, check_feasible, constraint_notes
from tally.meek_paths import DEFEATED, ELECTED, HOPEFUL, BallotPaths
from tally.seeded_lot import SeededLot
from tally.ties import break_tie
from tally.transcript import Decision, Stage, Transcript

__all__ = ["PARAMETRIC", "RULE", "MeekRule", "count_meek"]


@dataclass(frozen=True, slots=True)
class MeekRule:
    """A variant of Meek STV (see the module docstring for what each field changes).

    ``keep_rounding``: ``"up"`` (Hill, PR Foundation) or ``"down"`` (OpenSTV, Droop ``meek``).
    ``omega_decimals``: the round ends when the surplus is below ``10**-omega_decimals``
    (or at most that, when ``omega_inclusive``). ``floor_surplus``: a negative total surplus
    counts as 0; ``floor_each_surplus``: an elected candidate below the quota adds 0 to it
    (stv-rs ``--force-positive-surplus``). ``stop_at_excluded_group``: an equal-ranking group
    with nobody left stops the ballot (Droop's recursive descent) instead of being skipped.
    ``equalize``: a group of equal rankings counts as the mean of its orderings (stv-rs
    ``--equalize``) instead of Droop's descent.
    """

    name: str
    title: str
    keep_rounding: str
    omega_decimals: int
    omega_inclusive: bool
    floor_surplus: bool
    stop_at_excluded_group: bool
    floor_each_surplus: bool = False
    equalize: bool = False
    decimals: int = 9

    def count(
        self,
        election: Election,
        *,
        seed: str | None = None,
        constraints: Sequence[Constraint] = (),
    ) -> Transcript:
        """Count ``election`` by :func:`count_meek` under this variant, with ``constraints``
        if any (:mod:`tally.constraints`)."""
        if not constraints:
            return count_meek(election, self, seed=seed)
        guard = check_feasible(election, constraints)
        transcript = count_meek(election, self, seed=seed, guard=guard)
        return constraint_notes(transcript, election, guard, doomed_noted=True)


RULE = MeekRule(
    name="meek",
    title="Meek STV (Hill, Wichmann and Woodall 1987; PR Foundation reference, 9 places)",
    keep_rounding="up",
    omega_decimals=6,
    omega_inclusive=False,
    floor_surplus=True,
    stop_at_excluded_group=False,
)
PARAMETRIC = MeekRule(
    name="meek-parametric",
    title="Meek STV (Droop 'meek' parametric, fixed 9 places, omega 10^-6)",
    keep_rounding="down",
    omega_decimals=6,
    omega_inclusive=True,
    floor_surplus=False,
    stop_at_excluded_group=True,
)


def _new_keep_factor(kf: int, quota: int, votes: int, scale: int) -> int:
    """B.2.f: ``kf × quota`` rounded up, then divided by ``votes`` rounded up."""
    if votes <= 0:
        return kf
    return mul_div_up(mul_div_up(kf, quota, scale), scale, votes)


def count_meek(
    election: Election,
    rule: MeekRule = RULE,
    *,
    seed: str | None = None,
    guard: Guard | None = None,
) -> Transcript:
    """Count ``election`` by Meek STV under ``rule`` and return the transcript.

    ``guard`` applies representation constraints (:mod:`tally.constraints`): which of the
    candidates reaching the quota may be elected, who must be excluded now and why, and who
    may not be excluded. Cost: one pass over the ballots to build the paths, then per
    iteration one step per distinct path (plus one per equal-ranking ballot); each status
    change moves only the ballots waiting on that candidate.
    """
    count = _MeekCount(election, rule, seed, guard)
    count.first_count()  # A
    while count.seats_to_decide():
        newly, surplus = count.iterate_one_round()  # B.2
        if not newly:
            count.exclude_the_lowest(surplus)  # B.3
        count.exclude_the_doomed()
    count.fill_the_last_vacancies()
    return count.transcript()


class _MeekCount:
    """The state of one Meek count: the ballot paths, keep factors, stages and notes."""

    def __init__(
        self, election: Election, rule: MeekRule, seed: str | None, guard: Guard | None
    ) -> None:
        self.election = election
        self.rule = rule
        self.guard = guard
        self.scale = scale_of(rule.decimals)
        self.n = len(election.candidates)
        self.seats = election.seats
        self.paths = BallotPaths(
            election, rule.keep_rounding, rule.stop_at_excluded_group, self.scale, rule.equalize
        )
        self.valid = self.paths.valid * self.scale
        self.omega = scale_of(rule.decimals - rule.omega_decimals)
        self.notes: list[str] = []
        self.lot = SeededLot(election, seed)
        self.elected: list[int] = []
        self.keep = self.paths.keep
        self.stages: list[Stage] = []
        self.quota = 0
        self.last_was_exclusion = False

    def hopeful(self) -> list[int]:
        """The hopeful candidates, in file order."""
        status = self.paths.status
        return [c for c in range(self.n) if status[c] == HOPEFUL]

    def seats_to_decide(self) -> bool:
        """More hopefuls than seats left, and a seat left: another round is needed."""
        return len(self.hopeful()) > self.seats - len(self.elected) > 0

    def first_count(self) -> None:
        """A: keep factors 1; stage 1 with the first quota; then the doomed, if any."""
        votes, excess, loss = self.paths.distribute()
        self.quota = quota_above(self.valid, self.seats)
        self.stages.append(
            Stage(1, "first count", None, None, tuple(votes), excess, loss, self.quota)
        )
        self.exclude_the_doomed()

    def exclude_the_doomed(self) -> None:
        """Exclude at once every candidate whose election would break a constraint, on the
        last stage; notes whether that stage ends in an exclusion."""
        guard = self.guard
        stage = self.stages[-1]
        while guard is not None:
            found = guard.doomed(list(self.elected), self.hopeful())
            if not found:
                break
            for c, why in found:
                self.paths.set_status(c, DEFEATED)
                stage = replace(stage, excluded=(*stage.excluded, Decision(c, "doomed")))
                self.notes.append(f"stage {stage.number}: {self.election.name(c)} doomed: {why}")
        self.stages[-1] = stage
        self.last_was_exclusion = bool(stage.excluded)

    def surplus(self, votes: Sequence[int], quota: int) -> int:
        """B.2.d: the total surplus of the elected, as the variant floors it."""
        rule = self.rule
        if rule.floor_each_surplus:
            surplus = sum(max(votes[c] - quota, 0) for c in self.elected)
        else:
            surplus = sum(votes[c] - quota for c in self.elected)
        if rule.floor_surplus and surplus < 0:
            surplus = 0
        return surplus

    def elect_those_at_quota(self, votes: Sequence[int], quota: int) -> list[Decision]:
        """B.2.c: every hopeful at or over the quota (those the constraints allow), in
        file order, while seats are left."""
        reached = [c for c in self.hopeful() if votes[c] >= quota]
        if self.guard is not None and reached:
            reached = self.guard.screen(reached, list(self.elected), self.hopeful())
        newly = []
        for c in reached:
            if len(self.elected) < self.seats:
                self.paths.set_status(c, ELECTED)
                self.elected.append(c)
                newly.append(Decision(c, "quota"))
        return newly

    def iterate_one_round(self) -> tuple[list[Decision], int]:
        """B.2: iterate until an election, a surplus below omega or a stable surplus;
        record the round as a stage and a note. Returns who was elected and the surplus."""
        rule, scale, keep = self.rule, self.scale, self.keep
        last_surplus = self.valid
        iterations = 0
        while True:
            iterations += 1
            votes, excess, loss = self.paths.distribute()  # B.2.a
            quota = quota_above(sum(votes), self.seats)  # B.2.b
            newly = self.elect_those_at_quota(votes, quota)
            surplus = self.surplus(votes, quota)
            if newly:  # B.2.e
                why = "elected"
                break
            if surplus < self.omega or (rule.omega_inclusive and surplus == self.omega):
                why = "surplus below omega" if surplus < self.omega else "surplus at omega"
                break
            if surplus >= last_surplus:
                why = "stable surplus"
                break
            last_surplus = surplus
            for c in self.elected:  # B.2.f
                keep[c] = _new_keep_factor(keep[c], quota, votes[c], scale)
        self.quota = quota
        number = len(self.stages) + 1
        self.stages.append(
            Stage(
                number,
                "iteration",
                None,
                None,
                tuple(votes),
                excess,
                loss,
                quota,
                elected=tuple(newly),
                keep_factors=tuple(keep),
            )
        )
        self.notes.append(
            f"stage {number}: {iterations} iteration{'s' if iterations != 1 else ''}, "
            f"surplus {format_fixed(surplus, rule.decimals)}, ended: {why}"
        )
        return newly, surplus

    def exclude_the_lowest(self, surplus: int) -> None:
        """B.3: exclude the lowest hopeful; those within the surplus of it are tied with it.

        Guarded candidates (constraints) are passed over. Cost: O(candidates) plus the
        tie-break.
        """
        stage = self.stages[-1]
        votes = stage.votes
        pool = self.hopeful()
        if self.guard is not None:
            protected = self.guard.guarded(list(self.elected), pool)
            pool = [c for c in pool if c not in protected] or pool
        low = min(votes[c] for c in pool)
        tied = [c for c in pool if votes[c] <= low + max(surplus, 0)]
        chosen, tie = break_tie(
            tied,
            (),
            lowest=True,
            purpose="exclude",
            lot=self.lot,
            tie_order=self.election.tie_order,
        )
        self.paths.set_status(chosen, DEFEATED)
        self.stages[-1] = replace(
            stage, action="exclusion", subject=chosen, excluded=(Decision(chosen, "lowest", tie),)
        )

    def fill_the_last_vacancies(self) -> None:
        """After an exclusion, one more distribution (``last vacancies``); then the hopeful
        fill the seats left in file order and the rest are not elected, on the last stage."""
        if self.last_was_exclusion and self.hopeful():
            votes, excess, loss = self.paths.distribute()
            self.stages.append(
                Stage(
                    len(self.stages) + 1,
                    "last vacancies",
                    None,
                    None,
                    tuple(votes),
                    excess,
                    loss,
                    self.quota,
                    keep_factors=tuple(self.keep),
                )
            )
        tail_elect = []
        tail_exclude = []
        for c in self.hopeful():
            if len(self.elected) < self.seats:
                self.paths.status[c] = ELECTED
                self.elected.append(c)
                tail_elect.append(Decision(c, "last continuing"))
            else:
                self.paths.status[c] = DEFEATED
                tail_exclude.append(Decision(c, "remaining"))
        last = self.stages[-1]
        self.stages[-1] = replace(
            last,
            elected=last.elected + tuple(tail_elect),
            excluded=last.excluded + tuple(tail_exclude),
        )

    def transcript(self) -> Transcript:
        """The count as a :class:`Transcript`."""
        rule = self.rule
        return Transcript(
            rule=rule.name,
            title=self.election.title,
            candidates=self.election.candidates,
            seats=self.seats,
            valid_votes=self.valid,
            decimals=rule.decimals,
            quota=self.stages[0].quota,
            stages=tuple(self.stages),
            elected=tuple(self.elected),
            withdrawn=self.election.withdrawn,
            seed=self.lot.seed,
            notes=tuple(self.notes),
        )
