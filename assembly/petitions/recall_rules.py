"""Recall rules as data: how many signatures a petition needs, for how long, and what follows.

The threshold is a fraction of the constituency's electorate at the roll snapshot when the
petition starts (rounded up, at least one signature) or a fixed number; the ballot a successful
petition opens is decided by a ``tally`` majority rule, which must have a quorum (by default a
quarter of the constituency), so a recall cannot be carried by one vote of thousands. Checked
when an office (or the election that fills it) is set up, so a petition never starts under
rules that cannot be applied.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from schemas.contests import MajorityIn
from schemas.petitions import RECALL_QUORUM, NominationRulesIn, RecallRulesIn, ThresholdIn
from schemas.problems import DomainError
from tally.majority import MajorityRule
from voting.majority import contract_of, rule_of

__all__ = ["RecallRules", "RecallRulesError", "majority_in"]


class RecallRulesError(DomainError):
    """Recall rules that cannot be applied; the message names the rule."""

    title = "The recall rules cannot be used as given"


def _majority(given: MajorityIn) -> MajorityRule:
    return rule_of(given, what="majority", error=RecallRulesError)


def majority_in(rule: dict[str, Any]) -> MajorityIn:
    """A stored ``tally`` majority rule as the contest contract takes it."""
    return contract_of(MajorityRule.from_dict(rule))


@dataclass(frozen=True, slots=True)
class RecallRules:
    """The checked recall rules of one office."""

    threshold_kind: str
    threshold_value: Fraction
    window_days: int
    ballot_days: int
    majority: MajorityRule
    reopen_nominations: bool
    nomination_days: int
    supporting_members: int
    supporting_branches: int

    @classmethod
    def from_request(cls, given: RecallRulesIn) -> RecallRules:
        """Check the rules as sent; ``RecallRulesError`` names the one that cannot apply."""
        try:
            value = Fraction(given.threshold.value)
        except (ValueError, ZeroDivisionError):
            raise RecallRulesError(
                f"threshold {given.threshold.value!r} is not a fraction like 1/5"
            ) from None
        if given.threshold.kind == "fraction_of_electorate" and not 0 < value <= 1:
            raise RecallRulesError(
                f"a threshold of {value} of the electorate must be above 0 and at most 1"
            )
        if given.threshold.kind == "number" and (value.denominator != 1 or value < 1):
            raise RecallRulesError(f"a threshold of {value} signatures must be a whole number ≥ 1")
        if given.majority.quorum is None:
            raise RecallRulesError(
                "a recall ballot needs a quorum, so a handful of votes cannot unseat an office "
                f"holder: give majority.quorum (the default is {RECALL_QUORUM} of the "
                "constituency)"
            )
        return cls(
            threshold_kind=given.threshold.kind,
            threshold_value=value,
            window_days=given.window_days,
            ballot_days=given.ballot_days,
            majority=_majority(given.majority),
            reopen_nominations=given.reopen_nominations,
            nomination_days=given.nomination_days,
            supporting_members=given.nomination_rules.supporting_members,
            supporting_branches=given.nomination_rules.supporting_branches,
        )

    def to_dict(self) -> dict[str, Any]:
        """The rules as stored and published."""
        return {
            "threshold": {"kind": self.threshold_kind, "value": str(self.threshold_value)},
            "window_days": self.window_days,
            "ballot_days": self.ballot_days,
            "majority": self.majority.to_dict(),
            "reopen_nominations": self.reopen_nominations,
            "nomination_days": self.nomination_days,
            "nomination_rules": {
                "supporting_members": self.supporting_members,
                "supporting_branches": self.supporting_branches,
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecallRules:
        """The rules ``to_dict`` wrote."""
        return cls(
            threshold_kind=data["threshold"]["kind"],
            threshold_value=Fraction(data["threshold"]["value"]),
            window_days=int(data["window_days"]),
            ballot_days=int(data["ballot_days"]),
            majority=MajorityRule.from_dict(data["majority"]),
            reopen_nominations=bool(data["reopen_nominations"]),
            nomination_days=int(data["nomination_days"]),
            supporting_members=int(data["nomination_rules"]["supporting_members"]),
            supporting_branches=int(data["nomination_rules"]["supporting_branches"]),
        )

    def to_request(self) -> RecallRulesIn:
        """The rules in the form an office or election is set up with."""
        return RecallRulesIn(
            threshold=ThresholdIn(kind=self.threshold_kind, value=str(self.threshold_value)),  # type: ignore[arg-type]
            window_days=self.window_days,
            ballot_days=self.ballot_days,
            majority=majority_in(self.majority.to_dict()),
            reopen_nominations=self.reopen_nominations,
            nomination_days=self.nomination_days,
            nomination_rules=self.nomination_rules(),
        )

    def threshold_for(self, electorate: int) -> int:
        """Signatures needed from an electorate of ``electorate``: the fraction rounded up
        (at least one), or the fixed number. Exact integer arithmetic."""
        if self.threshold_kind == "number":
            return int(self.threshold_value)
        return max(1, math.ceil(self.threshold_value * electorate))

    def nomination_rules(self) -> NominationRulesIn:
        """The nomination rules of a by-election these rules open."""
        return NominationRulesIn(
            supporting_members=self.supporting_members,
            supporting_branches=self.supporting_branches,
        )
