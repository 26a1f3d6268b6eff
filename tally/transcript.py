"""The transcript of a count as data: one :class:`Stage` per stage, and the checks on it.

Every rule produces a :class:`Transcript`; the human report, the JSON document, the recount and
the audit verifier all read it and nothing else. Values are integers scaled by
``10**transcript.decimals`` (see :mod:`tally.arithmetic`), so they are exact and print to the
rule's last decimal.

A stage records the action taken (the first count, the transfer of a surplus, the exclusion of a
candidate, or — for iterative rules such as Meek — one iteration), the transfer value, every
candidate's votes at the end of the stage, the non-transferable votes, the loss to rounding (all
cumulative), and who was elected or excluded at that stage and why. :func:`check_balance` proves
the invariant of SSI 2007/42 Schedule 1 at every stage: candidates' votes + non-transferable +
loss to rounding = valid votes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tally.arithmetic import format_fixed, parse_fixed
from tally.errors import CountError

__all__ = [
    "Decision",
    "Stage",
    "TieBreak",
    "Transcript",
    "check_balance",
    "transcript_from_dict",
    "transcript_to_dict",
]

ACTIONS = ("first count", "surplus", "exclusion", "iteration", "last vacancies")
"""What a stage does: ``surplus`` transfers ``subject``'s surplus, ``exclusion`` excludes
``subject`` and transfers its papers, ``iteration`` is one round of an iterative rule (Meek),
``last vacancies`` fills the remaining seats with the continuing candidates (rule 52)."""

REASONS = ("quota", "last continuing", "lowest", "remaining", "majority", "doomed")
"""Why a candidate was elected or excluded: reached the ``quota``; one of the ``last continuing``
candidates when they fit the vacancies left (rule 52); had the ``lowest`` votes (rule 50);
``remaining`` (defeated because every seat is filled); ``majority`` of continuing votes (IRV);
``doomed`` (excluded because electing them would break a representation constraint)."""


@dataclass(frozen=True, slots=True)
class TieBreak:
    """How a tie among ``tied`` candidates was broken in favour of ``chosen``.

    ``method`` is ``"earlier stage"`` (with ``stage``: the most recent earlier stage at which the
    tied candidates had unequal votes, SSI 2007/42 rules 49(2) and 51(2)(a)), ``"lot"`` (with
    ``draws``: the values drawn by :class:`tally.lot.Lot`, each ``(counter, n, value)``, rules
    49(3) and 51(2)(b)) or ``"tie order"`` (a lot drawn in advance and given in the ballot
    file). ``purpose`` says what the tie was about: ``"exclude"`` or ``"surplus"`` or
    ``"elect"``.
    """

    tied: tuple[int, ...]
    chosen: int
    method: str
    purpose: str
    stage: int | None = None
    draws: tuple[tuple[int, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """``candidate`` was elected or excluded at a stage for ``reason`` (see ``REASONS``)."""

    candidate: int
    reason: str
    tie: TieBreak | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of the count; all vote figures are cumulative at the end of the stage."""

    number: int
    action: str
    subject: int | None
    transfer_value: int | None
    votes: tuple[int, ...]
    non_transferable: int
    rounding_loss: int
    quota: int
    elected: tuple[Decision, ...] = ()
    excluded: tuple[Decision, ...] = ()
    keep_factors: tuple[int, ...] | None = None
    """Meek's keep factor of each candidate, scaled like the votes; ``None`` for other rules."""
    ties: tuple[TieBreak, ...] = ()
    """Ties broken to choose this stage's subject when no decision records them (the order of
    equal surpluses, rule 49(2)–(3)); a tie for exclusion is on its :class:`Decision`."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """The full record of one count: enough to print, check and recount it."""

    rule: str
    title: str
    candidates: tuple[str, ...]
    seats: int
    valid_votes: int
    decimals: int
    quota: int
    stages: tuple[Stage, ...]
    elected: tuple[int, ...]
    withdrawn: frozenset[int] = frozenset()
    seed: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def elected_names(self) -> list[str]:
        """Names of the elected, in order of election, exactly as in the ballot file."""
        return [self.candidates[c] for c in self.elected]


def check_balance(transcript: Transcript) -> None:
    """Raise :class:`CountError` unless every stage balances exactly.

    The check: sum of candidates' votes + non-transferable + loss to rounding = valid votes
    (scaled). Cost: one pass over every stage's figures.
    """
    total = transcript.valid_votes
    for stage in transcript.stages:
        held = sum(stage.votes) + stage.non_transferable + stage.rounding_loss
        if held != total:
            d = transcript.decimals
            raise CountError(
                f"stage {stage.number} does not balance: {format_fixed(held, d)} accounted "
                f"for, {format_fixed(total, d)} valid votes"
            )


def _tie_to_dict(tie: TieBreak | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    if tie is None:
        return None
    out: dict[str, Any] = {
        "tied": [names[c] for c in tie.tied],
        "chosen": names[tie.chosen],
        "method": tie.method,
        "purpose": tie.purpose,
    }
    if tie.stage is not None:
        out["stage"] = tie.stage
    if tie.draws:
        out["draws"] = [{"counter": c, "n": n, "value": v} for c, n, v in tie.draws]
    return out


def _decision_to_dict(d: Decision, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"candidate": names[d.candidate], "reason": d.reason}
    tie = _tie_to_dict(d.tie, names)
    if tie is not None:
        out["tie"] = tie
    return out


def transcript_to_dict(t: Transcript) -> dict[str, Any]:
    """The transcript as a JSON-ready dict with names and decimal strings (deterministic).

    Values are strings with exactly ``decimals`` places so that no reader turns them into
    floats. Keys appear in a fixed order; the same transcript always gives the same dict.
    """
    d = t.decimals
    names = t.candidates

    def fx(v: int) -> str:
        return format_fixed(v, d)

    stages = []
    for s in t.stages:
        stage: dict[str, Any] = {
            "number": s.number,
            "action": s.action,
            "subject": None if s.subject is None else names[s.subject],
            "transfer_value": None if s.transfer_value is None else fx(s.transfer_value),
            "quota": fx(s.quota),
            "votes": {names[i]: fx(v) for i, v in enumerate(s.votes)},
            "non_transferable": fx(s.non_transferable),
            "rounding_loss": fx(s.rounding_loss),
            "elected": [_decision_to_dict(x, names) for x in s.elected],
            "excluded": [_decision_to_dict(x, names) for x in s.excluded],
        }
        if s.ties:
            stage["ties"] = [_tie_to_dict(x, names) for x in s.ties]
        if s.keep_factors is not None:
            stage["keep_factors"] = {names[i]: fx(v) for i, v in enumerate(s.keep_factors)}
        stages.append(stage)
    return {
        "rule": t.rule,
        "title": t.title,
        "seats": t.seats,
        "candidates": list(names),
        "withdrawn": [names[c] for c in sorted(t.withdrawn)],
        "valid_votes": fx(t.valid_votes),
        "decimals": d,
        "quota": fx(t.quota),
        "seed": t.seed,
        "elected": [names[c] for c in t.elected],
        "stages": stages,
        "notes": list(t.notes),
    }


def transcript_from_dict(doc: dict[str, Any]) -> Transcript:
    """Rebuild a :class:`Transcript` from :func:`transcript_to_dict` output (for recounts).

    Raises :class:`CountError` if a required field is missing or malformed.
    """
    try:
        names = tuple(str(n) for n in doc["candidates"])
        index = {n: i for i, n in enumerate(names)}
        d = int(doc["decimals"])

        def px(v: str) -> int:
            return parse_fixed(v, d)

        def tie(x: dict[str, Any] | None) -> TieBreak | None:
            if x is None:
                return None
            return TieBreak(
                tied=tuple(index[n] for n in x["tied"]),
                chosen=index[x["chosen"]],
                method=str(x["method"]),
                purpose=str(x["purpose"]),
                stage=x.get("stage"),
                draws=tuple(
                    (int(y["counter"]), int(y["n"]), int(y["value"])) for y in x.get("draws", ())
                ),
            )

        def decisions(xs: list[dict[str, Any]]) -> tuple[Decision, ...]:
            return tuple(
                Decision(index[x["candidate"]], str(x["reason"]), tie(x.get("tie"))) for x in xs
            )

        stages = []
        for s in doc["stages"]:
            kf = s.get("keep_factors")
            stages.append(
                Stage(
                    number=int(s["number"]),
                    action=str(s["action"]),
                    subject=None if s["subject"] is None else index[s["subject"]],
                    transfer_value=None if s["transfer_value"] is None else px(s["transfer_value"]),
                    votes=tuple(px(s["votes"][n]) for n in names),
                    non_transferable=px(s["non_transferable"]),
                    rounding_loss=px(s["rounding_loss"]),
                    quota=px(s["quota"]),
                    elected=decisions(s["elected"]),
                    excluded=decisions(s["excluded"]),
                    keep_factors=None if kf is None else tuple(px(kf[n]) for n in names),
                    ties=tuple(t for t in (tie(x) for x in s.get("ties", ())) if t is not None),
                )
            )
        return Transcript(
            rule=str(doc["rule"]),
            title=str(doc["title"]),
            candidates=names,
            seats=int(doc["seats"]),
            valid_votes=px(doc["valid_votes"]),
            decimals=d,
            quota=px(doc["quota"]),
            stages=tuple(stages),
            elected=tuple(index[n] for n in doc["elected"]),
            withdrawn=frozenset(index[n] for n in doc["withdrawn"]),
            seed=doc.get("seed"),
            notes=tuple(doc.get("notes", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CountError(f"not a tally result document: {type(exc).__name__} {exc}") from None
