"""Majorities and quorums: is a motion carried, lost or inquorate under a rule given as data?

Follows the MajorityRule of DESIGN.md ("Domain model") and issue 3 ("Motions"). A rule has

- a **base**: what the threshold is a fraction of. ``cast`` is votes for plus votes against
  (abstentions are left out, the usual rule for "a simple majority of those voting");
  ``cast_with_abstentions`` adds the abstentions (so an abstention counts like a vote against);
  ``electorate`` is everyone entitled to vote (so staying away counts like a vote against);
- a **threshold**: an exact ``Fraction`` in (0, 1], compared strictly ("more than 1/2") or
  not ("at least 2/3"). The figure ``required`` is ``threshold × base``; the motion is carried
  when the votes for are more than (strict) or at least (non-strict) ``required``;
- an optional **quorum**: a minimum turnout, as a fraction of the electorate or as a number.
  **Turnout is every ballot cast: for + against + abstain.** The quorum is met when turnout is
  at least the quorum needed; a motion that misses it is ``inquorate`` whatever the votes say.

Weighted votes (a delegate carrying a branch's weight) are counted exactly: every figure is an
``int`` or a ``Fraction``, never a float. With weighted votes the electorate, the turnout and an
absolute quorum are all in the same unit as the weights (the electorate is the total weight).

When nothing counts towards the base (no votes at all), the motion is lost: a motion is never
carried by nobody.

Other yes/no questions use the same rule:

- a **recall ballot** is a motion "that X be recalled": ``votes_for`` are the yes votes,
  ``votes_against`` the no votes; carried means X is recalled;
- a **two-option referendum** is a motion "that option A be adopted": ``votes_for`` are the votes
  for A, ``votes_against`` those for B. With a simple majority of votes cast, "carried" means A
  won and "lost" means B won or the two tied (a tie keeps B, usually the status quo; a caller
  that needs a symmetric tie rule checks ``votes_for == votes_against`` itself). A higher
  threshold (say 2/3 to change the constitution) protects B, the status quo.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, Self

__all__ = [
    "Base",
    "Choice",
    "Comparison",
    "MajorityRule",
    "MotionResult",
    "Outcome",
    "Quorum",
    "QuorumKind",
    "count_motion",
    "count_weighted_motion",
]

Figure = int | Fraction
"""A count of votes: an exact number, never a float."""


class Base(StrEnum):
    """What the threshold is a fraction of."""

    CAST = "cast"
    CAST_WITH_ABSTENTIONS = "cast_with_abstentions"
    ELECTORATE = "electorate"


class Comparison(StrEnum):
    """``more_than`` is strict ("more than 1/2"); ``at_least`` is not ("at least 2/3")."""

    MORE_THAN = "more_than"
    AT_LEAST = "at_least"


class QuorumKind(StrEnum):
    """A quorum is a fraction of the electorate or an absolute number of ballots."""

    FRACTION_OF_ELECTORATE = "fraction_of_electorate"
    NUMBER = "number"


class Outcome(StrEnum):
    """What happened to the motion."""

    CARRIED = "carried"
    LOST = "lost"
    INQUORATE = "inquorate"


class Choice(StrEnum):
    """One ballot on a motion."""

    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


def _exact(value: object, what: str) -> Fraction:
    """``value`` as a non-negative exact number; floats, bools and negatives are errors."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError(f"{what} must be an int or a Fraction, not {value!r}")
    if value < 0:
        raise ValueError(f"{what} cannot be negative: {value}")
    return Fraction(value)


def _figure_to_json(value: Fraction) -> int | str:
    """An integral figure as a JSON int, any other as the string ``"p/q"`` (exact, stable)."""
    return int(value) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _figure_from_json(value: object, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{what} must be an int or a 'p/q' string, not {value!r}")
    return Fraction(value)


@dataclass(frozen=True, slots=True)
class Quorum:
    """A minimum turnout: ``value`` is a fraction of the electorate in (0, 1] or a number > 0.

    Turnout is every ballot cast, abstentions included.
    """

    kind: QuorumKind
    value: Fraction

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", QuorumKind(self.kind))
        value = _exact(self.value, "quorum")
        object.__setattr__(self, "value", value)
        if value == 0:
            raise ValueError("a quorum of 0 is no quorum: leave it out instead")
        if self.kind is QuorumKind.FRACTION_OF_ELECTORATE and value > 1:
            raise ValueError(f"a quorum of {value} of the electorate cannot be met: at most 1")

    @classmethod
    def fraction_of_electorate(cls, value: Figure) -> Self:
        """At least ``value`` (for example ``Fraction(1, 4)``) of the electorate must vote."""
        return cls(QuorumKind.FRACTION_OF_ELECTORATE, _exact(value, "quorum"))

    @classmethod
    def number(cls, value: Figure) -> Self:
        """At least ``value`` ballots (or that much weight) must be cast."""
        return cls(QuorumKind.NUMBER, _exact(value, "quorum"))

    def needed(self, electorate: Fraction | None) -> Fraction:
        """The turnout needed; a fractional quorum needs the electorate size."""
        if self.kind is QuorumKind.NUMBER:
            return self.value
        if electorate is None:
            raise ValueError("a quorum given as a fraction of the electorate needs its size")
        return self.value * electorate

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``from_dict`` reads it back."""
        return {"kind": self.kind.value, "value": _figure_to_json(self.value)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The quorum ``to_dict`` wrote."""
        return cls(QuorumKind(data["kind"]), _figure_from_json(data["value"], "quorum"))


@dataclass(frozen=True, slots=True)
class MajorityRule:
    """When a motion is carried: ``threshold`` of ``base``, compared by ``comparison``.

    Errors (``ValueError``) for a threshold outside (0, 1], for "more than all", and for a
    float threshold.
    """

    base: Base
    threshold: Fraction
    comparison: Comparison
    quorum: Quorum | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", Base(self.base))
        object.__setattr__(self, "comparison", Comparison(self.comparison))
        threshold = _exact(self.threshold, "threshold")
        object.__setattr__(self, "threshold", threshold)
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], not {threshold}")
        if threshold == 1 and self.comparison is Comparison.MORE_THAN:
            raise ValueError("'more than all' of the votes can never be reached: use at_least 1")

    @classmethod
    def simple_majority(cls, quorum: Quorum | None = None) -> Self:
        """More than half of the votes cast, abstentions left out (so: more for than against)."""
        return cls(Base.CAST, Fraction(1, 2), Comparison.MORE_THAN, quorum)

    @classmethod
    def two_thirds(cls, quorum: Quorum | None = None) -> Self:
        """At least two thirds of the votes cast, abstentions left out (constitutional motions)."""
        return cls(Base.CAST, Fraction(2, 3), Comparison.AT_LEAST, quorum)

    @classmethod
    def absolute_majority(cls, quorum: Quorum | None = None) -> Self:
        """More than half of the whole electorate, whether they voted or not."""
        return cls(Base.ELECTORATE, Fraction(1, 2), Comparison.MORE_THAN, quorum)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict with a stable shape; ``from_dict`` reads it back."""
        return {
            "base": self.base.value,
            "threshold": _figure_to_json(self.threshold),
            "comparison": self.comparison.value,
            "quorum": None if self.quorum is None else self.quorum.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The rule ``to_dict`` wrote."""
        quorum = data.get("quorum")
        return cls(
            Base(data["base"]),
            _figure_from_json(data["threshold"], "threshold"),
            Comparison(data["comparison"]),
            None if quorum is None else Quorum.from_dict(quorum),
        )


@dataclass(frozen=True, slots=True)
class MotionResult:
    """The outcome and every figure that decided it.

    ``base`` is the figure the threshold applies to, ``required`` is ``threshold × base``,
    ``turnout`` is for + against + abstain, ``quorum_needed`` is the turnout the quorum asked
    for (``None`` without a quorum) and ``electorate`` is ``None`` when it was not given.
    """

    outcome: Outcome
    rule: MajorityRule
    votes_for: Fraction
    votes_against: Fraction
    abstentions: Fraction
    turnout: Fraction
    electorate: Fraction | None
    base: Fraction
    required: Fraction
    quorum_needed: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict: integral figures as ints, others as ``"p/q"``; keys fixed.

        ``json.dumps(result.to_dict(), sort_keys=True)`` is byte-identical for equal results.
        """

        def opt(value: Fraction | None) -> int | str | None:
            return None if value is None else _figure_to_json(value)

        return {
            "outcome": self.outcome.value,
            "rule": self.rule.to_dict(),
            "for": _figure_to_json(self.votes_for),
            "against": _figure_to_json(self.votes_against),
            "abstain": _figure_to_json(self.abstentions),
            "turnout": _figure_to_json(self.turnout),
            "electorate": opt(self.electorate),
            "base": _figure_to_json(self.base),
            "required": _figure_to_json(self.required),
            "quorum_needed": opt(self.quorum_needed),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The result ``to_dict`` wrote (figures are read back exactly, not recomputed)."""

        def opt(key: str) -> Fraction | None:
            value = data.get(key)
            return None if value is None else _figure_from_json(value, key)

        try:
            return cls._read(data, opt)
        except (KeyError, TypeError) as error:
            raise ValueError(
                f"not a well-formed motion result: missing or mistyped {error}"
            ) from error

    @classmethod
    def _read(cls, data: Mapping[str, Any], opt: Callable[[str], Fraction | None]) -> Self:
        return cls(
            outcome=Outcome(data["outcome"]),
            rule=MajorityRule.from_dict(data["rule"]),
            votes_for=_figure_from_json(data["for"], "for"),
            votes_against=_figure_from_json(data["against"], "against"),
            abstentions=_figure_from_json(data["abstain"], "abstain"),
            turnout=_figure_from_json(data["turnout"], "turnout"),
            electorate=opt("electorate"),
            base=_figure_from_json(data["base"], "base"),
            required=_figure_from_json(data["required"], "required"),
            quorum_needed=opt("quorum_needed"),
        )


def count_motion(
    rule: MajorityRule,
    votes_for: Figure,
    votes_against: Figure,
    abstentions: Figure = 0,
    electorate: Figure | None = None,
) -> MotionResult:
    """Decide a motion from its totals under ``rule`` (DESIGN.md "MajorityRule"; issue 3).

    The quorum is checked first (turnout = for + against + abstain must be at least the quorum
    needed), then ``votes_for`` is compared with ``required = threshold × base``. Totals may be
    weighted (``int`` or ``Fraction``); ``electorate`` is the number (or total weight) entitled
    to vote and is needed for the ``electorate`` base and for a fractional quorum.

    Raises ``ValueError`` for a negative or float total, a turnout above the electorate, or a
    rule that needs an electorate when none is given. Cost: a few exact operations.
    """
    for_ = _exact(votes_for, "votes for")
    against = _exact(votes_against, "votes against")
    abstain = _exact(abstentions, "abstentions")
    size = None if electorate is None else _exact(electorate, "electorate")
    turnout = for_ + against + abstain
    if size is not None and turnout > size:
        raise ValueError(f"turnout {turnout} is more than the electorate {size}")
    if rule.base is Base.CAST:
        base = for_ + against
    elif rule.base is Base.CAST_WITH_ABSTENTIONS:
        base = turnout
    else:
        if size is None:
            raise ValueError("a rule based on the electorate needs the electorate size")
        base = size
    required = rule.threshold * base
    quorum_needed = None if rule.quorum is None else rule.quorum.needed(size)
    if quorum_needed is not None and turnout < quorum_needed:
        outcome = Outcome.INQUORATE
    elif base == 0:
        outcome = Outcome.LOST
    elif rule.comparison is Comparison.MORE_THAN:
        outcome = Outcome.CARRIED if for_ > required else Outcome.LOST
    else:
        outcome = Outcome.CARRIED if for_ >= required else Outcome.LOST
    return MotionResult(
        outcome=outcome,
        rule=rule,
        votes_for=for_,
        votes_against=against,
        abstentions=abstain,
        turnout=turnout,
        electorate=size,
        base=base,
        required=required,
        quorum_needed=quorum_needed,
    )


def count_weighted_motion(
    rule: MajorityRule,
    ballots: Iterable[tuple[Choice | str, Figure]],
    electorate: Figure | None = None,
) -> MotionResult:
    """Decide a motion from individual ballots ``(choice, weight)``, summed exactly.

    For a recorded vote of delegates, each delegate's ballot carries their branch's weight
    (an ``int`` or a ``Fraction``); an unweighted ballot has weight 1. ``electorate`` is then
    the total weight entitled to vote. Cost: one addition per ballot, then ``count_motion``.
    """
    totals = {choice: Fraction(0) for choice in Choice}
    for choice, weight in ballots:
        totals[Choice(choice)] += _exact(weight, "a ballot's weight")
    return count_motion(
        rule, totals[Choice.FOR], totals[Choice.AGAINST], totals[Choice.ABSTAIN], electorate
    )
