"""Representation rules of an election, turned into each post's count constraints.

An election declares rules such as "at least half of the seats to women" or "at most 3 from one
region"; when its ballots open, each post's rules become ``tally`` constraints on its candidates'
attributes (labels ``attribute=value``), which the counting core enforces inside the count
(``tally.constraints``). A share of seats is exact: at least ``p/q`` of ``s`` seats is
``ceil(p·s/q)``, at most is ``floor(p·s/q)``. A rule without a value applies to every value the
post's candidates have. A minimum above the candidates who can meet it is lowered to them (there
cannot be more women elected than women standing), and the post shows the constraint as applied.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from schemas.elections import RepresentationIn
from schemas.problems import DomainError

__all__ = [
    "DERIVED_ATTRIBUTES",
    "RepresentationError",
    "check_representation",
    "constraints_for_post",
    "rule_attributes",
]

DERIVED_ATTRIBUTES = ("region", "branch")
"""Attributes every candidate has from the roll's structure, besides the self-described ones."""


class RepresentationError(DomainError):
    """A representation rule that cannot be applied; the message names it."""

    title = "The representation rule cannot be used as given"


def _share(text: str | None, what: str) -> Fraction | None:
    if text is None:
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise RepresentationError(f"{what} {text!r} is not a fraction like 1/2") from None
    if value > 1:
        raise RepresentationError(f"{what} {text} is more than all of the seats")
    return value


def check_representation(rules: Sequence[RepresentationIn], posts: int) -> list[dict[str, Any]]:
    """The rules as stored, or ``RepresentationError`` naming the one that cannot apply.

    Cost: O(rules).
    """
    out = []
    for rule in rules:
        label = f"{rule.attribute}={rule.value}" if rule.value else f"each {rule.attribute}"
        least = _share(rule.at_least_share, f"rule on {label}: at_least_share")
        most = _share(rule.at_most_share, f"rule on {label}: at_most_share")
        if rule.at_least is not None and least is not None:
            raise RepresentationError(f"rule on {label}: give at_least or at_least_share, not both")
        if rule.at_most is not None and most is not None:
            raise RepresentationError(f"rule on {label}: give at_most or at_most_share, not both")
        if rule.at_least is None and least is None and rule.at_most is None and most is None:
            raise RepresentationError(f"rule on {label} needs a minimum or a maximum")
        if rule.at_least is not None and rule.at_most is not None and rule.at_least > rule.at_most:
            raise RepresentationError(f"rule on {label}: at_least is more than at_most")
        unknown = sorted(p for p in rule.posts or [] if p > posts)
        if unknown:
            raise RepresentationError(
                f"rule on {label} names post {unknown[0]}, but the election has {posts} posts"
            )
        out.append(
            {
                "attribute": rule.attribute,
                "value": rule.value,
                "at_least": rule.at_least,
                "at_most": rule.at_most,
                "at_least_share": None if least is None else str(least),
                "at_most_share": None if most is None else str(most),
                "posts": sorted(set(rule.posts)) if rule.posts else None,
            }
        )
    return out


def rule_attributes(rules: Sequence[Mapping[str, Any]], post: int) -> list[str]:
    """The attributes the rules for post number ``post`` look at, sorted."""
    return sorted({r["attribute"] for r in rules if r["posts"] is None or post in r["posts"]})


def constraints_for_post(
    rules: Sequence[Mapping[str, Any]],
    post: int,
    seats: int,
    candidates: Sequence[Mapping[str, str]],
) -> list[dict[str, Any]]:
    """The count constraints (``attribute``, ``value``, ``at_least``, ``at_most``) for post
    number ``post`` with ``seats`` seats and these candidates' attributes.

    Shares become numbers of seats (at least: rounded up; at most: rounded down); a rule without
    a value becomes one constraint per value the candidates have; a minimum above the
    candidates holding the value is lowered to them, and one of zero with no maximum is left
    out. Two rules on the same value are merged (the larger minimum, the smaller maximum).
    Cost: O(rules × candidates).
    """
    merged: dict[tuple[str, str], list[int | None]] = {}
    for rule in rules:
        if rule["posts"] is not None and post not in rule["posts"]:
            continue
        attribute = rule["attribute"]
        least = rule["at_least"]
        if rule["at_least_share"] is not None:
            least = math.ceil(Fraction(rule["at_least_share"]) * seats)
        most = rule["at_most"]
        if rule["at_most_share"] is not None:
            most = math.floor(Fraction(rule["at_most_share"]) * seats)
        values = (
            [rule["value"]]
            if rule["value"] is not None
            else sorted({c[attribute] for c in candidates if attribute in c})
        )
        for value in values:
            entry = merged.setdefault((attribute, value), [0, None])
            entry[0] = max(entry[0] or 0, least or 0)
            if most is not None:
                entry[1] = most if entry[1] is None else min(entry[1], most)
    out = []
    for (attribute, value), (least, most) in sorted(merged.items()):
        holders = sum(1 for c in candidates if c.get(attribute) == value)
        least = min(least or 0, holders, seats)
        if most is not None and most >= min(holders, seats):
            most = None  # cannot bind
        if least == 0 and most is None:
            continue
        out.append(
            {
                "attribute": attribute,
                "value": value,
                "at_least": least or None,
                "at_most": most,
            }
        )
    return out
