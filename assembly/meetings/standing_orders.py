"""Standing orders as data: the rules an assembly runs by, checked when it is created.

How many seconders a motion and an amendment need and whether a motion's seconders must come
from distinct branches; the majority a motion needs by default and the one a constitutional
motion needs (two thirds of votes cast by default); and whether votes are secret or recorded.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from assembly.meetings.floor_rules import FloorRules
from schemas.assemblies import StandingOrdersIn
from schemas.contests import MajorityIn
from schemas.problems import DomainError
from tally.majority import MajorityRule
from voting.majority import rule_of

__all__ = ["StandingOrders", "StandingOrdersError", "seconding_count"]


class StandingOrdersError(DomainError):
    """Standing orders that cannot be applied; the message says which rule and why."""

    title = "The standing orders cannot be used as given"


def _rule(given: MajorityIn, what: str) -> MajorityRule:
    return rule_of(given, what=what, error=StandingOrdersError)


@dataclass(frozen=True, slots=True)
class StandingOrders:
    """The checked rules of one assembly."""

    seconders_required: int
    seconders_from_distinct_branches: bool
    amendment_seconders_required: int
    majority: MajorityRule
    constitutional_majority: MajorityRule
    recorded_votes: bool
    # The floor: delegates, card votes, proxies, attendance (assembly/meetings/floor_rules.py).
    floor: FloorRules = field(default_factory=FloorRules)
    # How the chair may take a vote instead, one vote at a time (issue 16, the chair's floor).
    vote_methods: tuple[str, ...] = ()
    speakers_alternate: bool = True
    speech_seconds: int = 180

    @classmethod
    def from_request(cls, given: StandingOrdersIn) -> StandingOrders:
        """Check the rules as sent; ``StandingOrdersError`` names the one that cannot apply."""
        return cls(
            seconders_required=given.seconders_required,
            seconders_from_distinct_branches=given.seconders_from_distinct_branches,
            amendment_seconders_required=given.amendment_seconders_required,
            majority=_rule(given.majority, "majority"),
            constitutional_majority=_rule(given.constitutional_majority, "constitutional_majority"),
            recorded_votes=given.votes == "recorded",
            floor=FloorRules.from_request(given),
            vote_methods=tuple(dict.fromkeys(given.vote_methods)),
            speakers_alternate=given.speakers_alternate,
            speech_seconds=given.speech_seconds,
        )

    def to_dict(self) -> dict[str, Any]:
        """The rules as stored and published (majorities as ``tally`` writes them)."""
        return {
            "seconders_required": self.seconders_required,
            "seconders_from_distinct_branches": self.seconders_from_distinct_branches,
            "amendment_seconders_required": self.amendment_seconders_required,
            "majority": self.majority.to_dict(),
            "constitutional_majority": self.constitutional_majority.to_dict(),
            "votes": "recorded" if self.recorded_votes else "secret",
            **self.floor.to_dict(),
            "vote_methods": list(self.vote_methods),
            "speakers_alternate": self.speakers_alternate,
            "speech_seconds": self.speech_seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StandingOrders:
        """The rules ``to_dict`` wrote."""
        return cls(
            seconders_required=int(data["seconders_required"]),
            seconders_from_distinct_branches=bool(data["seconders_from_distinct_branches"]),
            amendment_seconders_required=int(data["amendment_seconders_required"]),
            majority=MajorityRule.from_dict(data["majority"]),
            constitutional_majority=MajorityRule.from_dict(data["constitutional_majority"]),
            recorded_votes=data["votes"] == "recorded",
            floor=FloorRules.from_dict(data),
            vote_methods=tuple(data.get("vote_methods", ())),
            speakers_alternate=bool(data.get("speakers_alternate", True)),
            speech_seconds=int(data.get("speech_seconds", 180)),
        )

    def vote_method(self, asked: str | None) -> str:
        """How a vote is taken: ``asked`` if standing orders allow it, else the default
        (``secret`` or ``recorded``); ``StandingOrdersError`` names what they allow."""
        default = "recorded" if self.recorded_votes else "secret"
        if asked is None or asked == default:
            return default
        if asked not in self.vote_methods:
            allowed = ", ".join(dict.fromkeys((default, *self.vote_methods)))
            raise StandingOrdersError(
                f"standing orders do not allow a vote taken {asked.replace('_', ' ')}; "
                f"they allow: {allowed.replace('_', ' ')}"
            )
        return asked

    def rule_for(self, category: str) -> MajorityRule:
        """The majority a motion of ``category`` (and each amendment to it) needs."""
        return self.constitutional_majority if category == "constitutional" else self.majority


def seconding_count(branches: Iterable[int], *, distinct_branches: bool) -> int:
    """How many seconders count towards the requirement: all of them, or one per branch when
    standing orders ask for seconders from distinct branches. Cost: O(seconders)."""
    listed = list(branches)
    return len(set(listed)) if distinct_branches else len(listed)
