"""The floor's standing orders as data: delegates per branch, card votes, proxies, attendance.

Part of ``StandingOrders`` (``assembly.meetings.standing_orders``), kept apart because it is its
own concept. An assembly without ``delegates`` is open to every member in scope; with them, a
vote's electorate is its credentialed delegates. The entitlement is one delegate per
``members_per_delegate`` active members of the branch (rounded down, or up with
``part_counts``), at least ``at_least`` and at most ``at_most``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.assemblies import StandingOrdersIn
from schemas.problems import DomainError

__all__ = ["DelegateRules", "FloorRules"]


@dataclass(frozen=True, slots=True)
class DelegateRules:
    """How many delegates a branch sends, what their vote carries, how many proxies each holds."""

    members_per_delegate: int = 50
    at_least: int = 1
    at_most: int | None = None
    part_counts: bool = False
    card_vote: str = "none"
    proxies_per_holder: int = 0

    def entitled(self, members: int) -> int:
        """Delegates a branch of ``members`` active members may send. Cost: O(1)."""
        seats = (
            -(-members // self.members_per_delegate)
            if self.part_counts
            else (members // self.members_per_delegate)
        )
        seats = max(seats, self.at_least)
        return seats if self.at_most is None else min(seats, self.at_most)

    def to_dict(self) -> dict[str, Any]:
        return {
            "members_per_delegate": self.members_per_delegate,
            "at_least": self.at_least,
            "at_most": self.at_most,
            "part_counts": self.part_counts,
            "card_vote": self.card_vote,
            "proxies_per_holder": self.proxies_per_holder,
        }


@dataclass(frozen=True, slots=True)
class FloorRules:
    """``delegates`` (None: every member in scope takes part) and ``vote_by`` (``all`` or
    ``present``: only those checked in when attendance was frozen, so quorums are of them)."""

    delegates: DelegateRules | None = None
    vote_by: str = "all"

    @property
    def weighted(self) -> bool:
        """Whether the assembly's votes are card votes."""
        return self.delegates is not None and self.delegates.card_vote != "none"

    @classmethod
    def from_request(cls, given: StandingOrdersIn) -> FloorRules:
        delegates = None
        if given.delegates is not None:
            d = given.delegates
            if d.at_most is not None and d.at_most < d.at_least:
                raise DomainError(
                    f"delegates: at_most ({d.at_most}) is less than at_least ({d.at_least})",
                    title="The standing orders cannot be used as given",
                )
            delegates = DelegateRules(
                d.members_per_delegate,
                d.at_least,
                d.at_most,
                d.part_counts,
                d.card_vote,
                d.proxies_per_holder,
            )
        return cls(delegates, given.vote_by)

    def to_dict(self) -> dict[str, Any]:
        """The keys this adds to the stored standing orders (none for an ordinary assembly)."""
        out: dict[str, Any] = {}
        if self.delegates is not None:
            out["delegates"] = self.delegates.to_dict()
        if self.vote_by != "all":
            out["vote_by"] = self.vote_by
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FloorRules:
        given = data.get("delegates")
        delegates = None if given is None else DelegateRules(**given)
        return cls(delegates, str(data.get("vote_by", "all")))
