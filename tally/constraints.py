"""Representation constraints inside STV: "at least / at most k seats to candidates with A".

The method is the guarded/doomed one of I. D. Hill, "STV with constraints", Voting matters 9
(1998), pp. 2-4 (votingmatters.org.uk/ISSUE9/P1.HTM), as summarised by J. Otten, "STV with
multiple constraints", Voting matters 13 (2001) (votingmatters.org.uk/ISSUE13/P3.HTM): doomed
candidates "cannot be elected if a conformant result is to be obtained" and are eliminated
immediately; guarded ones must be elected for a conformant result and await a quota. With
several constraints Hill lists every way the constraints could still be met; Otten shows that
list can grow past any computer. Here the same question is answered without the list (below).
At every point of the count:

- a hopeful candidate is *doomed* when electing them would leave no way to fill the remaining
  seats that meets every constraint; a doomed candidate is excluded at once (their votes move on
  as after any exclusion), recorded with the reason ``"doomed"`` and a note naming the
  constraint;
- a hopeful candidate is *guarded* when excluding them would leave no way to meet every
  constraint; a guarded candidate is never excluded as the lowest (the lowest unguarded one is)
  and is noted once, with the constraint, when first guarded. When the seats left equal the
  guarded candidates, every other hopeful is doomed, so the guarded are elected;
- of candidates reaching the quota together, each is elected only if the constraints can still
  be met with them; one who cannot is doomed at once.

Whether the remaining seats can be filled is decided exactly: candidates with the same labels
(as far as the constraints look) are interchangeable, so the search runs over how many of each
kind to elect, not over sets of candidates. A constraint set that no choice of
``min(seats, candidates)`` candidates meets is a :class:`tally.errors.CountError` before the
count starts, naming the constraint (:func:`check_feasible`).

This module is data and checks only; it counts nothing and imports no rule. A rule takes the
constraints as part of its API, ``rule.count(election, constraints=[...])``: Scottish STV
(:func:`tally.transfer.count_by_transfer`, where a doomed candidate's exclusion is a stage of its
own, taken before any surplus) and Meek STV (:func:`tally.meek.count_meek`, where the doomed are
excluded at the end of the round that dooms them) both ask the three questions of
:class:`Guard`, which keeps why it answered as it did, and add its notes to the transcript
(:func:`constraint_notes`). IRV refuses constraints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tally.ballots import Election
from tally.errors import CountError
from tally.transcript import Transcript

__all__ = ["Constraint", "Guard", "check_feasible", "constraint_notes", "constraints_from_document"]


@dataclass(frozen=True, slots=True)
class Constraint:
    """Between ``at_least`` and ``at_most`` (inclusive) of the elected have label ``attribute``."""

    attribute: str
    at_least: int = 0
    at_most: int | None = None

    def __str__(self) -> str:
        if self.at_most is None:
            return f"at least {self.at_least} of the seats to {self.attribute!r}"
        if self.at_least == 0:
            return f"at most {self.at_most} of the seats to {self.attribute!r}"
        return f"between {self.at_least} and {self.at_most} of the seats to {self.attribute!r}"


class Guard:
    """Decides doomed and guarded candidates for one election and constraint set.

    Cost of each question: a search over the numbers of each *kind* of candidate (a kind is a
    set of labels the constraints look at), remembering dead ends, so at most
    kinds × (seats + 1)^(constraints + 1) states, and far fewer with pruning; with two genders
    and five regions, a few hundred steps.
    """

    def __init__(self, election: Election, constraints: Sequence[Constraint]) -> None:
        self.constraints = tuple(constraints)
        for k in self.constraints:
            if k.at_least < 0 or (k.at_most is not None and k.at_most < k.at_least):
                raise CountError(f"constraint {k} is not a range of seats")
        n = len(election.candidates)
        labels = election.attributes or tuple(frozenset() for _ in range(n))
        self.kind = [tuple(k.attribute in labels[c] for k in self.constraints) for c in range(n)]
        self.names = election.candidates
        self.target = min(election.seats, len(election.continuing))
        self.why_doomed: dict[int, str] = {}
        self.newly_guarded: list[list[tuple[int, str]]] = []
        """One entry per call of :meth:`guarded` (one per exclusion of the lowest): who became
        guarded then, and why."""

    def _counts(self, chosen: Sequence[int]) -> list[int]:
        out = [0] * len(self.constraints)
        for c in chosen:
            for i, has in enumerate(self.kind[c]):
                out[i] += has
        return out

    def broken(self, elected: Sequence[int], hopeful: Sequence[int]) -> Constraint | None:
        """The first constraint no completion of ``elected`` from ``hopeful`` meets, if any.

        A completion elects ``target - len(elected)`` more (``target`` is
        ``min(seats, candidates)``). Cost: see the class.
        """
        need = self.target - len(elected)
        if need < 0 or need > len(hopeful):
            return self.constraints[0] if self.constraints else None
        base = self._counts(elected)
        kinds: dict[tuple[bool, ...], int] = {}
        for c in hopeful:
            kinds[self.kind[c]] = kinds.get(self.kind[c], 0) + 1
        groups = sorted(kinds.items())
        lows = [k.at_least for k in self.constraints]
        highs = [need + len(elected) if k.at_most is None else k.at_most for k in self.constraints]
        # room[j][i]: how many of constraint i's label the kinds from j on can still add
        room = [[0] * len(lows) for _ in range(len(groups) + 1)]
        for j in range(len(groups) - 1, -1, -1):
            kind, available = groups[j]
            room[j] = [room[j + 1][i] + (available if has else 0) for i, has in enumerate(kind)]

        failed: set[tuple[int, int, tuple[int, ...]]] = set()  # states known to lead nowhere

        def search(j: int, left: int, counts: list[int]) -> bool:
            if any(c > h for c, h in zip(counts, highs, strict=True)):
                return False
            if any(c + min(r, left) < lo for c, r, lo in zip(counts, room[j], lows, strict=True)):
                return False
            if j == len(groups):
                return left == 0
            state = (j, left, tuple(counts))
            if state in failed:
                return False
            kind, available = groups[j]
            for take in range(min(available, left), -1, -1):
                step = [c + (take if has else 0) for c, has in zip(counts, kind, strict=True)]
                if search(j + 1, left - take, step):
                    return True
            failed.add(state)
            return False

        if search(0, need, base):
            return None
        for i, k in enumerate(self.constraints):
            if base[i] > highs[i] or base[i] + min(room[0][i], need) < lows[i]:
                return k
        return self.constraints[0]

    def doomed(self, elected: list[int], hopeful: list[int]) -> list[tuple[int, str]]:
        """Hopefuls whose election would leave the constraints unmeetable, with the reason."""
        out = []
        for c in hopeful:
            rest = [h for h in hopeful if h != c]
            k = self.broken([*elected, c], rest)
            if k is not None:
                out.append((c, f"electing them would break {k}"))
        if len(out) == len(hopeful):
            return []  # nobody is electable: leave the count to the end (cannot happen if feasible)
        self.why_doomed.update(out)
        return out

    def guarded(self, elected: list[int], hopeful: list[int]) -> set[int]:
        """Hopefuls who may not be excluded: without them the constraints cannot be met."""
        found = set()
        fresh = []
        known = {c for entry in self.newly_guarded for c, _ in entry}
        for c in hopeful:
            k = self.broken(elected, [h for h in hopeful if h != c])
            if k is not None:
                found.add(c)
                if c not in known:
                    fresh.append((c, f"excluding them would break {k}"))
        self.newly_guarded.append(fresh)
        return found

    def screen(self, reached: list[int], elected: list[int], hopeful: list[int]) -> list[int]:
        """Of ``reached`` (in order of election), those the constraints let be elected."""
        accepted: list[int] = []
        for c in reached:
            now = [*elected, *accepted, c]
            rest = [h for h in hopeful if h not in now]
            if self.broken(now, rest) is None:
                accepted.append(c)
        return accepted


def check_feasible(election: Election, constraints: Sequence[Constraint]) -> Guard:
    """Raise :class:`CountError` naming the first constraint no result can meet; else the guard.

    Checked before counting: some ``min(seats, candidates)`` of the continuing candidates must
    meet every constraint at once. Cost: one search (see :class:`Guard`).
    """
    guard = Guard(election, constraints)
    everyone = list(election.continuing)
    if guard.broken([], everyone) is None:
        return guard
    alone = [k for k in guard.constraints if Guard(election, [k]).broken([], everyone)]
    what = str(alone[0]) if alone else " and ".join(str(k) for k in guard.constraints) + " together"
    raise CountError(
        f"the constraints cannot all be met: {what} (with {guard.target} seats among "
        f"{len(everyone)} candidates); no count was made"
    )


def constraint_notes(
    transcript: Transcript, election: Election, guard: Guard, *, doomed_noted: bool
) -> Transcript:
    """``transcript`` with notes first naming the constraints, then when each candidate was
    doomed (unless the count ``doomed_noted`` them itself) or first guarded, and by which
    constraint. Cost: one pass over the stages."""
    notes = [f"constraints: {'; '.join(str(k) for k in guard.constraints)}"]
    if not doomed_noted:
        for stage in transcript.stages:
            notes.extend(
                f"stage {stage.number}: {election.name(d.candidate)} doomed: "
                f"{guard.why_doomed.get(d.candidate, 'a constraint')}"
                for d in stage.excluded
                if d.reason == "doomed"
            )
    lowest = [s for s in transcript.stages for d in s.excluded if d.reason == "lowest"]
    for k, fresh in enumerate(guard.newly_guarded):
        at = f"stage {lowest[k].number}" if k < len(lowest) else "the end"
        notes.extend(f"{at}: {election.name(c)} guarded: {why}" for c, why in fresh)
    return replace(transcript, notes=(*notes, *transcript.notes))


_METHOD_RULES = {"scottish_stv": "scottish", "meek_stv": "meek", "irv": "irv"}


def constraints_from_document(
    document: Mapping[str, Any], election: Election, source: str = "the document"
) -> tuple[Election, list[Constraint], str | None]:
    """``election`` with its candidates' labels, the constraints, and the rule named, read
    from a contest's published manifest (or a bundle holding one under ``manifest``), or from
    a constraints file ``{"constraints": [...], "candidates": {name: {attribute: value}}}``.

    A constraint is ``{"attribute", "value", "at_least", "at_most"}`` on labels
    ``attribute=value``, as the manifest writes it. Every candidate the document names must
    be a candidate of the ballot file, and the other way round when it lists them all (a
    manifest does); otherwise :class:`CountError` naming the first that is not. Cost: one pass
    over the candidates and constraints.
    """
    doc: Mapping[str, Any] = document.get("manifest", document)
    if not isinstance(doc, Mapping) or "constraints" not in doc:
        raise CountError(f"{source}: no constraints in it (not a manifest or constraints file)")
    rule = _METHOD_RULES.get(str(doc.get("method")))
    if "options" in doc:
        people = {str(o["name"]): dict(o.get("attributes") or {}) for o in doc["options"]}
        listed = True
    else:
        people = {str(k): dict(v) for k, v in (doc.get("candidates") or {}).items()}
        listed = False
    names = set(election.candidates)
    for name in people:
        if name not in names:
            raise CountError(f"{source}: candidate {name!r} is not in the ballot file")
    if listed:
        for name in election.candidates:
            if name not in people:
                raise CountError(f"{source}: the ballot file's candidate {name!r} is not in it")
    constraints = []
    for i, c in enumerate(doc["constraints"] or [], start=1):
        try:
            at_least = int(c.get("at_least") or 0)
            at_most = None if c.get("at_most") is None else int(c["at_most"])
            label = f"{c['attribute']}={c['value']}"
        except (KeyError, TypeError, ValueError, AttributeError):
            raise CountError(
                f"{source}: constraint {i} needs attribute, value and at_least or at_most"
            ) from None
        if at_most is not None and at_most < at_least:
            raise CountError(
                f"{source}: constraint {i} on {label}: at_least ({at_least}) is more than "
                f"at_most ({at_most})"
            )
        constraints.append(Constraint(label, at_least, at_most))
    labels = tuple(
        frozenset(f"{k}={v}" for k, v in people.get(name, {}).items())
        for name in election.candidates
    )
    return replace(election, attributes=labels), constraints, rule
