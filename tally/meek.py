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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from tally.arithmetic import format_fixed, scale_of
from tally.ballots import Election
from tally.lot import Lot
from tally.meek_paths import DEFEATED, ELECTED, HOPEFUL, BallotPaths
from tally.ties import break_tie
from tally.transcript import Decision, Stage, Transcript

__all__ = ["PARAMETRIC", "RULE", "MeekRule", "count_meek"]

Screen = Callable[[list[int], list[int], list[int]], list[int]]
"""Constraint hook: given (candidates to elect, elected, hopeful), the ones that may be."""


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

    def count(self, election: Election, *, seed: str | None = None) -> Transcript:
        """Count ``election`` by :func:`count_meek` under this variant."""
        return count_meek(election, self, seed=seed)


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
    kept = -(-kf * quota // scale)
    return -(-kept * scale // votes)


def count_meek(
    election: Election,
    rule: MeekRule = RULE,
    *,
    seed: str | None = None,
    screen: Screen | None = None,
    doomed: Callable[[list[int], list[int]], list[tuple[int, str]]] | None = None,
    guarded: Callable[[list[int], list[int]], set[int]] | None = None,
) -> Transcript:
    """Count ``election`` by Meek STV under ``rule`` and return the transcript.

    ``screen``, ``doomed`` and ``guarded`` are the hooks of representation constraints
    (:mod:`tally.constraints`): which of the candidates reaching the quota may be elected, who
    must be excluded now and why, and who may not be excluded. Cost: one pass over the
    ballots to build the paths, then per iteration one step per distinct path (plus one per
    equal-ranking ballot); each status change moves only the ballots waiting on that candidate.
    """
    scale = scale_of(rule.decimals)
    n = len(election.candidates)
    seats = election.seats
    paths = BallotPaths(
        election, rule.keep_rounding, rule.stop_at_excluded_group, scale, rule.equalize
    )
    valid = paths.valid * scale
    omega = scale // 10**rule.omega_decimals
    notes: list[str] = []
    lot_holder: list[Lot] = []
    seed_used: list[str] = [] if seed is None else [seed]

    def lot() -> Lot:
        if not lot_holder:
            if not seed_used:
                from tally.transfer import default_seed

                seed_used.append(default_seed(election))
            lot_holder.append(Lot(seed_used[0]))
        return lot_holder[0]

    def hopeful() -> list[int]:
        return [c for c in range(n) if paths.status[c] == HOPEFUL]

    elected: list[int] = []
    keep = paths.keep
    votes, excess, loss = paths.distribute()
    quota = valid // (seats + 1) + 1
    stages = [Stage(1, "first count", None, None, tuple(votes), excess, loss, quota)]

    def exclude_doomed(stage: Stage) -> Stage:
        """Exclude at once every candidate whose election would break a constraint."""
        if doomed is None:
            return stage
        out = stage
        while True:
            found = doomed(list(elected), hopeful())
            if not found:
                return out
            for c, why in found:
                paths.set_status(c, DEFEATED)
                out = replace(out, excluded=(*out.excluded, Decision(c, "doomed")))
                notes.append(f"stage {out.number}: {election.name(c)} doomed: {why}")

    stages[0] = exclude_doomed(stages[0])
    last_was_exclusion = bool(stages[0].excluded)
    while len(hopeful()) > seats - len(elected) > 0:
        last_surplus = valid
        iterations = 0
        while True:
            iterations += 1
            votes, excess, loss = paths.distribute()
            quota = sum(votes) // (seats + 1) + 1
            reached = [c for c in hopeful() if votes[c] >= quota]
            if screen is not None and reached:
                reached = screen(reached, list(elected), hopeful())
            newly = []
            for c in reached:
                if len(elected) < seats:
                    paths.set_status(c, ELECTED)
                    elected.append(c)
                    newly.append(Decision(c, "quota"))
            if rule.floor_each_surplus:
                surplus = sum(max(votes[c] - quota, 0) for c in elected)
            else:
                surplus = sum(votes[c] - quota for c in elected)
            if rule.floor_surplus and surplus < 0:
                surplus = 0
            if newly:
                why = "elected"
                break
            if surplus < omega or (rule.omega_inclusive and surplus == omega):
                why = "surplus below omega" if surplus < omega else "surplus at omega"
                break
            if surplus >= last_surplus:
                why = "stable surplus"
                break
            last_surplus = surplus
            for c in elected:
                keep[c] = _new_keep_factor(keep[c], quota, votes[c], scale)
        number = len(stages) + 1
        stage = Stage(
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
        notes.append(
            f"stage {number}: {iterations} iteration{'s' if iterations != 1 else ''}, "
            f"surplus {format_fixed(surplus, rule.decimals)}, ended: {why}"
        )
        if not newly:
            stage = _exclude_lowest(stage, votes, surplus, paths, election, lot, guarded, elected)
        stages.append(exclude_doomed(stage))
        last_was_exclusion = bool(stages[-1].excluded)

    if last_was_exclusion and hopeful():
        votes, excess, loss = paths.distribute()
        stages.append(
            Stage(
                len(stages) + 1,
                "last vacancies",
                None,
                None,
                tuple(votes),
                excess,
                loss,
                quota,
                keep_factors=tuple(keep),
            )
        )
    tail_elect = []
    tail_exclude = []
    for c in hopeful():
        if len(elected) < seats:
            paths.status[c] = ELECTED
            elected.append(c)
            tail_elect.append(Decision(c, "last continuing"))
        else:
            paths.status[c] = DEFEATED
            tail_exclude.append(Decision(c, "remaining"))
    last = stages[-1]
    stages[-1] = replace(
        last,
        elected=last.elected + tuple(tail_elect),
        excluded=last.excluded + tuple(tail_exclude),
    )
    return Transcript(
        rule=rule.name,
        title=election.title,
        candidates=election.candidates,
        seats=seats,
        valid_votes=valid,
        decimals=rule.decimals,
        quota=stages[0].quota,
        stages=tuple(stages),
        elected=tuple(elected),
        withdrawn=election.withdrawn,
        seed=seed_used[0] if seed_used else None,
        notes=tuple(notes),
    )


def _exclude_lowest(
    stage: Stage,
    votes: Sequence[int],
    surplus: int,
    paths: BallotPaths,
    election: Election,
    lot: Callable[[], Lot],
    guarded: Callable[[list[int], list[int]], set[int]] | None,
    elected: list[int],
) -> Stage:
    """B.3: exclude the lowest hopeful; those within the surplus of it are tied with it.

    Guarded candidates (constraints) are passed over. Cost: O(candidates) plus the tie-break.
    """
    pool = [c for c in range(len(votes)) if paths.status[c] == HOPEFUL]
    if guarded is not None:
        protected = guarded(list(elected), pool)
        pool = [c for c in pool if c not in protected] or pool
    low = min(votes[c] for c in pool)
    tied = [c for c in pool if votes[c] <= low + max(surplus, 0)]
    chosen, tie = break_tie(
        tied, (), lowest=True, purpose="exclude", lot=lot, tie_order=election.tie_order
    )
    paths.set_status(chosen, DEFEATED)
    return replace(
        stage, action="exclusion", subject=chosen, excluded=(Decision(chosen, "lowest", tie),)
    )
