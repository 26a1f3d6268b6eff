"""Representation rules of an election, turned into each post's count constraints.

An election declares rules such as "at least half of the seats to women" or "at most 3 from one
region"; when its ballots open, each post's rules become ``tally`` constraints on its candidates'
attributes (labels ``attribute=value``), which the counting core enforces inside the count
(``tally.constraints``). A share of seats is exact: at least ``p/q`` of ``s`` seats is
``ceil(p·s/q)``, at most is ``floor(p·s/q)``. A rule without a value applies to every value the
post's candidates have.

Attributes on the roll are self-described (``Woman``, ``female``, ``F``), so a rule never
compares them as typed. The returning officer's *categories* table, part of the election's
definition, maps what members wrote to a rule's categories (``gender``: ``woman`` ←
``woman``, ``female``, ``f``); without a table for an attribute a value is its own category.
Either way matching is on the NFKC, case-folded form (``schemas.text.skeleton``), so ``Woman``
and ``woman`` are one. Each candidate sees at nomination what they are counted as
(:func:`counted_as`).

A rule never silently vanishes: a minimum above the candidates counted under it, or a rule no
candidate falls under, is a *problem* of the post (:class:`PostRules`), and the ballots do not
open while there is one unless the returning officer accepts it, which is logged for each
(``assembly.elections.election_ballots``). See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from schemas.elections import RepresentationIn
from schemas.problems import DomainError
from schemas.text import skeleton

__all__ = [
    "DERIVED_ATTRIBUTES",
    "PostRules",
    "RepresentationError",
    "check_categories",
    "check_representation",
    "constraints_for_post",
    "counted_as",
    "rule_attributes",
    "rule_text",
    "vacancy_rules",
]

DERIVED_ATTRIBUTES = ("region", "branch")
"""Attributes every candidate has from the roll's structure, besides the self-described ones."""

Categories = Mapping[str, Mapping[str, Sequence[str]]]
"""attribute → category → the self-described values counted as it."""


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


def check_categories(categories: Categories) -> dict[str, dict[str, list[str]]]:
    """The categories table as stored: per attribute, each category with the self-described
    values counted as it, folded; ``RepresentationError`` if two categories fold to one or a
    value is in two. Cost: O(values)."""
    out: dict[str, dict[str, list[str]]] = {}
    for attribute, table in sorted(categories.items()):
        seen: dict[str, str] = {}
        stored: dict[str, list[str]] = {}
        for category, values in sorted(table.items()):
            for value in [category, *values]:
                key = skeleton(value)
                if key in seen and seen[key] != category:
                    raise RepresentationError(
                        f"categories of {attribute}: {value!r} is counted as both "
                        f"{seen[key]!r} and {category!r}; put it in one"
                    )
                seen[key] = category
            stored[category] = sorted({skeleton(v) for v in [category, *values]})
        out[attribute] = stored
    return out


def _category(table: Mapping[str, Sequence[str]] | None, raw: str) -> str | None:
    key = skeleton(raw)
    if table is None:
        return key
    for category, values in table.items():
        if key in values:
            return category
    return None


def rule_text(rule: Mapping[str, Any]) -> str:
    """A rule in words, for messages, the log and the pages (no personal data)."""
    label = f"{rule['attribute']}={rule['value']}" if rule["value"] else f"each {rule['attribute']}"
    parts = []
    if rule.get("at_least") is not None:
        parts.append(f"at least {rule['at_least']}")
    if rule.get("at_least_share") is not None:
        parts.append(f"at least {rule['at_least_share']} of the seats")
    if rule.get("at_most") is not None:
        parts.append(f"at most {rule['at_most']}")
    if rule.get("at_most_share") is not None:
        parts.append(f"at most {rule['at_most_share']} of the seats")
    return f"{' and '.join(parts)} to {label}"


def _bounds(rule: Mapping[str, Any], seats: int) -> tuple[int, int | None]:
    least = rule["at_least"] or 0
    if rule["at_least_share"] is not None:
        least = math.ceil(Fraction(rule["at_least_share"]) * seats)
    most = rule["at_most"]
    if rule["at_most_share"] is not None:
        most = math.floor(Fraction(rule["at_most_share"]) * seats)
    return least, most


def check_representation(
    rules: Sequence[RepresentationIn],
    seats: Sequence[int],
    categories: Categories | None = None,
) -> list[dict[str, Any]]:
    """The rules as stored (each with its attribute's categories table, folded), or
    ``RepresentationError`` naming the one that cannot apply. ``seats`` holds each post's
    seats, post 1 first: a rule's minimum and maximum are checked against each post it
    applies to. Cost: O(rules × posts + categories)."""
    tables = check_categories(categories or {})
    unused = sorted(set(tables) - {r.attribute for r in rules})
    if unused:
        raise RepresentationError(
            f"categories are given for {unused[0]}, but no rule looks at {unused[0]}"
        )
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
        unknown = sorted(p for p in rule.posts or [] if p > len(seats))
        if unknown:
            raise RepresentationError(
                f"rule on {label} names post {unknown[0]}, but the election has {len(seats)} posts"
            )
        value = rule.value
        table = tables.get(rule.attribute)
        if value is not None and table is not None:
            value = _category(table, value)
            if value is None:
                raise RepresentationError(
                    f"rule on {label}: {rule.value!r} is not one of the categories of "
                    f"{rule.attribute} ({', '.join(sorted(table))})"
                )
        stored: dict[str, Any] = {
            "attribute": rule.attribute,
            "value": value,
            "at_least": rule.at_least,
            "at_most": rule.at_most,
            "at_least_share": None if least is None else str(least),
            "at_most_share": None if most is None else str(most),
            "posts": sorted(set(rule.posts)) if rule.posts else None,
            "categories": table,
        }
        for number, post_seats in enumerate(seats, start=1):
            if stored["posts"] is not None and number not in stored["posts"]:
                continue
            low, high = _bounds(stored, post_seats)
            if high is not None and low > high:
                raise RepresentationError(
                    f"rule on {label}: at least {low} but at most {high} of post {number}'s "
                    f"{post_seats} seat{'s' * (post_seats != 1)}: the minimum is above the maximum"
                )
            if low > post_seats:
                raise RepresentationError(
                    f"rule on {label}: at least {low} seats, but post {number} has "
                    f"{post_seats} seat{'s' * (post_seats != 1)}"
                )
        out.append(stored)
    return out


def _applies(rule: Mapping[str, Any], post: int) -> bool:
    return rule["posts"] is None or post in rule["posts"]


def rule_attributes(rules: Sequence[Mapping[str, Any]], post: int) -> list[str]:
    """The attributes the rules for post number ``post`` look at, sorted."""
    return sorted({r["attribute"] for r in rules if _applies(r, post)})


def counted_as(
    rules: Sequence[Mapping[str, Any]], post: int, attributes: Mapping[str, str]
) -> dict[str, str | None]:
    """What a candidate with these (self-described and derived) attributes is counted as by
    the rules of post ``post``: per attribute a rule looks at, its category, or None when
    they gave none or one no category holds. Cost: O(rules × categories)."""
    out: dict[str, str | None] = {}
    for rule in rules:
        if not _applies(rule, post):
            continue
        attribute = rule["attribute"]
        raw = attributes.get(attribute)
        category = None if raw is None else _category(rule.get("categories"), raw)
        if category is not None and rule.get("categories") is None:
            # Without a table, a value is counted as the rule's own spelling of it.
            named = [
                r["value"]
                for r in rules
                if r["attribute"] == attribute and r["value"] and skeleton(r["value"]) == category
            ]
            category = named[0] if named else category
        out[attribute] = category
    return out


@dataclass(frozen=True, slots=True)
class PostRules:
    """One post's rules applied to its candidates: the count constraints (``attribute``,
    ``value``, ``at_least``, ``at_most``), what each candidate is counted as, in the order
    given, and the problems that stop the ballots opening unless accepted (no names)."""

    constraints: list[dict[str, Any]]
    counted: list[dict[str, str | None]]
    problems: list[str] = field(default_factory=list)


def constraints_for_post(
    rules: Sequence[Mapping[str, Any]],
    post: int,
    seats: int,
    candidates: Sequence[Mapping[str, str]],
) -> PostRules:
    """The rules of post number ``post`` with ``seats`` seats applied to these candidates'
    attributes.

    Shares become numbers of seats (at least: rounded up; at most: rounded down); a rule without
    a value becomes one constraint per category the candidates have. A rule with a value no
    candidate is counted as, or a minimum above the candidates counted as it, is a problem;
    the constraint is then lowered to what can be met. A maximum that cannot bind is left out.
    Two rules on the same value are merged (the larger minimum, the smaller maximum).
    Cost: O(rules × candidates).
    """
    counted = [counted_as(rules, post, c) for c in candidates]
    merged: dict[tuple[str, str], tuple[int, int | None]] = {}
    problems: list[str] = []
    for rule in rules:
        if not _applies(rule, post):
            continue
        attribute = rule["attribute"]
        least, most = _bounds(rule, seats)
        held = [v for c in counted if (v := c.get(attribute)) is not None]
        values: list[str] = [rule["value"]] if rule["value"] is not None else sorted(set(held))
        if rule["value"] is not None and rule["value"] not in held:
            problems.append(
                f"post {post}: no candidate standing is counted as "
                f"{attribute}={rule['value']}, so the rule {rule_text(rule)} has nothing to act on"
            )
        for value in values:
            holders = held.count(value)
            if least > min(holders, seats) and rule["value"] is not None and holders:
                problems.append(
                    f"post {post}: the rule {rule_text(rule)} needs {least} of the "
                    f"{seats} seats, but only {holders} candidate{'s' * (holders != 1)} "
                    f"standing {'are' if holders != 1 else 'is'} counted as {attribute}={value}"
                )
            low, high = merged.get((attribute, value), (0, None))
            if most is not None:
                high = most if high is None else min(high, most)
            merged[(attribute, value)] = (max(low, least), high)
    out = []
    for (attribute, value), (least, most) in sorted(merged.items()):
        holders = sum(1 for c in counted if c.get(attribute) == value)
        least = min(least, holders, seats)
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
    return PostRules(out, counted, problems)


def vacancy_rules(
    rules: Sequence[Mapping[str, Any]],
    seats: int,
    remaining: Sequence[Mapping[str, str | None]],
) -> tuple[list[RepresentationIn], dict[str, dict[str, list[str]]]]:
    """The rules of a one-seat by-election for a vacancy among ``seats`` seats filled under
    ``rules`` (stored rules of that post), so that with the ``remaining`` holders (what each is
    counted as) the rules still hold: a minimum the remaining holders no longer meet becomes
    "at least 1" for the seat, a maximum they already reach becomes "at most 0". Returns the
    rules and the categories tables they use. Cost: O(rules × holders)."""
    out: list[RepresentationIn] = []
    tables: dict[str, dict[str, list[str]]] = {}
    for rule in rules:
        attribute = rule["attribute"]
        least, most = _bounds(rule, seats)
        held = [v for c in remaining if (v := c.get(attribute)) is not None]
        values = [rule["value"]] if rule["value"] is not None else sorted(set(held))
        for value in values:
            have = held.count(value)
            at_least = 1 if least - have >= 1 else None
            at_most = 0 if most is not None and most - have <= 0 else None
            if at_least is None and at_most is None:
                continue
            out.append(
                RepresentationIn(
                    attribute=attribute, value=value, at_least=at_least, at_most=at_most
                )
            )
            if rule.get("categories"):
                tables[attribute] = {k: list(v) for k, v in rule["categories"].items()}
    return out, tables
