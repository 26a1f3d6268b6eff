"""What a sortition draw is made from: the pool, the seats, the quotas and the method.

These are committed before the seed is known: ``DrawInputs.digest()`` is SHA-256 over the
canonical serialisation below, published (and logged) first, so nobody can pick a pool or
quotas after seeing the randomness. The canonical serialisation is the UTF-8 encoding of

    json.dumps(inputs.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

where ``to_dict()`` is ``{"format": "plenary-sortition-inputs/1", "method": ..., "seats": ...,
"pool": [{"id": ..., "features": {name: value, ...}}, ...] sorted by id, "quotas": [{"feature":
..., "value": ..., "min": int, "max": int or null}, ...] sorted by (feature, value)}``. The order
in which the caller lists members or quotas therefore changes neither the digest nor the draw.
To write it in another language: object keys sorted by Unicode code point, no whitespace,
integers in decimal, strings with only ``"``, ``\\`` and U+0000–U+001F escaped (as ``\\n``,
``\\r``, ``\\t``, ``\\b``, ``\\f`` or ``\\u00xx``), every other character as itself in UTF-8;
ids sorted and ``(feature, value)`` pairs compared by code point too.

Also here: the check that quotas can be met, run before any draw, whose errors name the quota
(DESIGN.md "Sortition"; issue 3 "Sortition draw"), and the exclusion of recent servers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self

from tally.sortition_cells import PanelSpace, PanelSpaceTooLarge

__all__ = [
    "INPUTS_FORMAT",
    "Cells",
    "DrawInputs",
    "DrawTooLarge",
    "Eligibility",
    "InfeasibleQuotas",
    "Member",
    "Method",
    "Quota",
    "cell_feature_order",
    "cells_for",
    "check_quotas",
    "check_rules",
    "exclude_recent_servers",
]

INPUTS_FORMAT = "plenary-sortition-inputs/1"

DrawTooLarge = PanelSpaceTooLarge
"""Raised when the chosen method cannot finish within its budget on these quotas."""


class Method(StrEnum):
    """How the panel is drawn; see ``tally.sortition`` for what each guarantees."""

    UNIFORM = "uniform"
    SEQUENTIAL = "sequential"
    MAXIMIN = "maximin"


@dataclass(frozen=True, slots=True)
class Member:
    """A volunteer in the pool: an id (unique in the pool) and self-described features."""

    id: str
    features: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Quota:
    """Between ``min`` and ``max`` seats (``max`` ``None``: no maximum) for one feature value."""

    feature: str
    value: str
    min: int = 0
    max: int | None = None

    def __post_init__(self) -> None:
        for name, number in (("min", self.min), ("max", self.max)):
            if number is None and name == "max":
                continue
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise ValueError(f"{self.label}: {name} must be a whole number ≥ 0, not {number!r}")
        if not isinstance(self.feature, str) or not isinstance(self.value, str):
            raise ValueError(f"a quota names a feature and a value as text, not {self.label!r}")

    @property
    def label(self) -> str:
        """``feature=value``, the name a person sees."""
        return f"{self.feature}={self.value}"

    def describe(self) -> str:
        """The quota in words, for error messages: ``gender=woman at least 5``."""
        if self.max is None:
            return f"{self.label} at least {self.min}"
        if self.min == 0:
            return f"{self.label} at most {self.max}"
        return f"{self.label} between {self.min} and {self.max}"


class InfeasibleQuotas(ValueError):
    """No panel meets the quotas; ``quotas`` are the ones that conflict (empty: the seats)."""

    def __init__(self, message: str, quotas: tuple[Quota, ...] = ()) -> None:
        super().__init__(message)
        self.quotas = quotas


@dataclass(frozen=True, slots=True)
class DrawInputs:
    """Everything a draw depends on except the seed.

    Raises ``ValueError`` for malformed inputs: seats below 1, a repeated or empty member id,
    a repeated quota, a negative minimum, or a member without a feature some quota uses.
    Infeasible quotas are reported by ``check_quotas``, not here.
    """

    pool: tuple[Member, ...]
    seats: int
    quotas: tuple[Quota, ...] = ()
    method: Method = Method.UNIFORM

    def __post_init__(self) -> None:
        object.__setattr__(self, "pool", tuple(self.pool))
        object.__setattr__(self, "quotas", tuple(self.quotas))
        object.__setattr__(self, "method", Method(self.method))
        if isinstance(self.seats, bool) or not isinstance(self.seats, int) or self.seats < 1:
            raise ValueError(f"seats must be a whole number of at least 1, not {self.seats!r}")
        seen: set[str] = set()
        for member in self.pool:
            if not isinstance(member.id, str) or not member.id:
                raise ValueError(f"a member id must be a non-empty string, not {member.id!r}")
            if member.id in seen:
                raise ValueError(f"member {member.id} appears twice in the pool")
            seen.add(member.id)
            for name, value in member.features.items():
                if not isinstance(name, str) or not isinstance(value, str):
                    raise ValueError(
                        f"member {member.id}: features are text, not {name!r}={value!r}"
                    )
        labels: set[tuple[str, str]] = set()
        for quota in self.quotas:
            if (quota.feature, quota.value) in labels:
                raise ValueError(f"two quotas for {quota.label}: give one with min and max")
            labels.add((quota.feature, quota.value))
        for name in self.features:
            for member in self.pool:
                if not isinstance(member.features.get(name), str):
                    raise ValueError(f"member {member.id} has no {name} (text), which a quota uses")

    @property
    def features(self) -> list[str]:
        """The features some quota uses, sorted by name."""
        return sorted({quota.feature for quota in self.quotas})

    def to_dict(self) -> dict[str, Any]:
        """The canonical, JSON-able form (see the module docstring); ``from_dict`` reads it."""
        return {
            "format": INPUTS_FORMAT,
            "method": self.method.value,
            "seats": self.seats,
            "pool": [
                {"id": m.id, "features": dict(sorted(m.features.items()))}
                for m in sorted(self.pool, key=lambda m: m.id)
            ],
            "quotas": [
                {"feature": q.feature, "value": q.value, "min": q.min, "max": q.max}
                for q in sorted(self.quotas, key=lambda q: (q.feature, q.value))
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The inputs ``to_dict`` wrote."""
        if data.get("format") != INPUTS_FORMAT:
            raise ValueError(f"not sortition inputs in format {INPUTS_FORMAT}")
        try:
            return cls(
                pool=tuple(Member(m["id"], dict(m["features"])) for m in data["pool"]),
                seats=data["seats"],
                quotas=tuple(
                    Quota(q["feature"], q["value"], q["min"], q["max"]) for q in data["quotas"]
                ),
                method=Method(data["method"]),
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"sortition inputs are missing or mistype {error}") from error

    def canonical(self) -> bytes:
        """The bytes the digest is taken over."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode("utf-8")

    def digest(self) -> str:
        """SHA-256 of ``canonical()``, in hex: the commitment published before the seed."""
        return hashlib.sha256(self.canonical()).hexdigest()


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The pool left after an exclusion, and the ids that were taken out (sorted)."""

    pool: tuple[Member, ...]
    excluded: tuple[str, ...]


def exclude_recent_servers(pool: Iterable[Member], recent_servers: Iterable[str]) -> Eligibility:
    """Leave out members who served in the last terms (the caller says who they were).

    Ids in ``recent_servers`` that are not in the pool are ignored. Cost: O(pool + servers).
    """
    served = set(recent_servers)
    members = tuple(pool)
    kept = tuple(m for m in members if m.id not in served)
    excluded = tuple(sorted(m.id for m in members if m.id in served))
    return Eligibility(pool=kept, excluded=excluded)


def cell_feature_order(inputs: DrawInputs) -> list[str]:
    """The quoted features, most quoted values first, then by name: the cells' key order."""
    spread = {name: sum(1 for q in inputs.quotas if q.feature == name) for name in inputs.features}
    return sorted(spread, key=lambda name: (-spread[name], name))


@dataclass(frozen=True, slots=True)
class Cells:
    """The pool split into cells by ``features``: the panel arithmetic and each cell's ids.

    ``members[c]`` are cell ``c``'s member ids sorted; draws index into that order.
    """

    features: tuple[str, ...]
    space: PanelSpace
    members: tuple[tuple[str, ...], ...]


def cells_for(inputs: DrawInputs, quotas: Iterable[Quota] | None = None) -> Cells:
    """The cells for ``quotas`` (default: all of them), in canonical order.

    Only the features those quotas use split the pool, ordered by ``cell_feature_order``;
    cells are sorted by their values in that order. The first feature's quotas are then cheap
    for the exact count (see ``tally.sortition_cells``). Cost: O(pool × features).
    """
    chosen = inputs.quotas if quotas is None else tuple(quotas)
    used = {q.feature for q in chosen}
    names = tuple(name for name in cell_feature_order(inputs) if name in used)
    groups: dict[tuple[str, ...], list[str]] = {}
    for member in sorted(inputs.pool, key=lambda m: m.id):
        groups.setdefault(tuple(member.features[n] for n in names), []).append(member.id)
    keys = sorted(groups)
    position = {name: i for i, name in enumerate(names)}
    bounds = {(position[q.feature], q.value): (q.min, q.max) for q in chosen}
    labels = {(position[q.feature], q.value): q.label for q in chosen}
    space = PanelSpace(keys, [len(groups[k]) for k in keys], bounds, inputs.seats, labels)
    return Cells(names, space, tuple(tuple(groups[k]) for k in keys))


def check_rules(seats: int, quotas: Iterable[Quota]) -> None:
    """Raise ``InfeasibleQuotas`` for quotas that no pool could meet, so they are refused when
    the sortition is set up, before anyone volunteers: a minimum above its maximum or above the
    seats, or a feature whose minimums add up to more than the seats. (Maximums that leave
    seats unfilled depend on who volunteers: a volunteer may have a value no quota names, so
    ``check_quotas`` decides those against the pool.) Cost: O(quotas)."""
    rules = sorted(quotas, key=lambda q: (q.feature, q.value))
    for q in rules:
        if q.max is not None and q.min > q.max:
            raise InfeasibleQuotas(f"{q.label} has minimum {q.min} above maximum {q.max}", (q,))
        if q.min > seats:
            raise InfeasibleQuotas(
                f"{q.label} needs at least {q.min} but there are only {seats} seats", (q,)
            )
    for name in sorted({q.feature for q in rules}):
        mine = tuple(q for q in rules if q.feature == name)
        floor = sum(q.min for q in mine)
        if floor > seats:
            raise InfeasibleQuotas(
                f"the minimums for {name} add up to {floor} but there are only {seats} seats",
                tuple(q for q in mine if q.min > 0),
            )


def check_quotas(inputs: DrawInputs) -> None:
    """Raise ``InfeasibleQuotas`` naming the quota(s) when no panel can meet them.

    Checks, in order: seats against the pool; each quota alone (minimum above maximum, above
    the seats, above the members with that value); each feature (minimums adding up to more
    than the seats, maximums leaving seats unfilled); then all quotas together by an exact
    search. When only the combination fails, the error names a minimal conflicting set: every
    quota in it is needed for the conflict (found by dropping quotas one at a time). Raises
    ``DrawTooLarge`` if the search passes its budget. Cost: one search when feasible; up to
    one per quota more when not.
    """
    pool, seats = len(inputs.pool), inputs.seats
    if seats > pool:
        raise InfeasibleQuotas(f"{seats} seats but only {pool} members in the pool")
    counts: dict[tuple[str, str], int] = {}
    for member in inputs.pool:
        for name, value in member.features.items():
            counts[(name, value)] = counts.get((name, value), 0) + 1
    for q in sorted(inputs.quotas, key=lambda q: (q.feature, q.value)):
        have = counts.get((q.feature, q.value), 0)
        if q.max is not None and q.min > q.max:
            raise InfeasibleQuotas(f"{q.label} has minimum {q.min} above maximum {q.max}", (q,))
        if q.min > seats:
            raise InfeasibleQuotas(
                f"{q.label} needs at least {q.min} but there are only {seats} seats", (q,)
            )
        if q.min > have:
            raise InfeasibleQuotas(
                f"{q.label} needs at least {q.min} but only {have} in the pool", (q,)
            )
    for name in inputs.features:
        mine = tuple(q for q in inputs.quotas if q.feature == name)
        floor = sum(q.min for q in mine)
        if floor > seats:
            raise InfeasibleQuotas(
                f"the minimums for {name} add up to {floor} but there are only {seats} seats",
                tuple(q for q in mine if q.min > 0),
            )
        ceilings = {q.value: q.max for q in mine if q.max is not None}
        room = sum(
            min(have, ceilings.get(value, have)) for (f, value), have in counts.items() if f == name
        )
        if room < seats:
            capped = tuple(q for q in mine if q.max is not None)
            raise InfeasibleQuotas(
                f"the maximums for {name} allow at most {room} of the {seats} seats", capped
            )
    if _feasible(inputs, inputs.quotas):
        return
    conflict = sorted(inputs.quotas, key=lambda q: (q.feature, q.value))
    for quota in list(conflict):
        rest = [q for q in conflict if q is not quota]
        if not _feasible(inputs, rest):
            conflict = rest
    names = "; ".join(q.describe() for q in conflict)
    raise InfeasibleQuotas(f"no panel meets these quotas together: {names}", tuple(conflict))


def _feasible(inputs: DrawInputs, quotas: Iterable[Quota]) -> bool:
    space = cells_for(inputs, quotas).space
    return space.completion([0] * len(space.keys)) is not None
