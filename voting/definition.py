"""What a contest is, checked before it exists: its manifest and the manifest's digest.

The manifest is the contest as defined (kind, scope, options or candidates in ballot-paper
order, seats, method, constraints, majority rule, times) as canonical JSON. Its digest is logged
when the contest is created and opened, and it heads the audit bundle, so nobody can change the
question after members have answered it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from audit.canonical import canonical_json
from audit.events import digest_of
from roll.scope import Scope
from schemas.contests import ContestCreate
from schemas.moments import utc_text
from schemas.problems import DomainError
from schemas.text import skeleton
from tally.majority import MajorityRule
from voting.majority import rule_of

__all__ = [
    "CHOICES",
    "ContestDefinitionError",
    "Definition",
    "check_definition",
    "constraints_text",
    "manifest",
    "manifest_digest",
]

# The fixed choices of motions and recalls, in ballot-paper order.
CHOICES = {"motion": ("for", "against", "abstain"), "recall": ("yes", "no", "abstain")}


class ContestDefinitionError(DomainError):
    """A contest that cannot be run as defined; the message says what to change."""

    title = "The contest cannot be defined like that"


@dataclass(frozen=True, slots=True)
class Definition:
    """A checked definition: options as (name, attributes) in order, the rule as data."""

    title: str
    kind: str
    scope: Scope
    secret: bool
    seats: int
    method: str | None
    majority: dict[str, Any] | None
    constraints: list[dict[str, Any]]
    options: list[tuple[str, dict[str, str]]]
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    weighted: bool = False


def _fraction(text: str, what: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ContestDefinitionError(f"{what} {text!r} is not a fraction like 1/2") from None
    return value


def _majority(body: ContestCreate) -> dict[str, Any]:
    given = body.majority
    if given is None:
        return MajorityRule.simple_majority().to_dict()
    if given.quorum is not None:
        _fraction(given.quorum.value, "quorum")
    threshold = _fraction(given.threshold, "threshold")
    rule = rule_of(given, what="majority rule", error=ContestDefinitionError)
    if rule.threshold != threshold:
        raise ContestDefinitionError(f"majority rule: the threshold {threshold} did not hold")
    return rule.to_dict()


def _constraints(
    body: ContestCreate, seats: int
) -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, str]]]]:
    """The constraints as stored, and the candidates with each attribute a constraint looks at
    spelled as the constraint spells it when they match ignoring case and Unicode forms
    (``Woman`` counts for ``woman``), so the count's labels agree. A constraint no candidate
    falls under, or one that cannot be met, is refused before the contest exists."""
    out = []
    candidates = [(c.name, dict(c.attributes)) for c in body.candidates or []]
    for c in body.constraints:
        label = f"{c.attribute}={c.value}"
        if c.at_least is None and c.at_most is None:
            raise ContestDefinitionError(f"constraint on {label} needs at_least or at_most")
        if c.at_least is not None and c.at_most is not None and c.at_least > c.at_most:
            raise ContestDefinitionError(
                f"constraint on {label}: at_least ({c.at_least}) is more than at_most "
                f"({c.at_most}); give a minimum no larger than the maximum"
            )
        if c.at_least is not None and c.at_least > seats:
            raise ContestDefinitionError(
                f"constraint on {label}: at least {c.at_least} seats, but the contest has {seats}"
            )
        wanted = skeleton(c.value)
        holders = 0
        for _, attributes in candidates:
            given = attributes.get(c.attribute)
            if given is not None and skeleton(given) == wanted:
                attributes[c.attribute] = c.value
                holders += 1
        if holders == 0:
            raise ContestDefinitionError(
                f"constraint on {label}: no candidate is counted as {label}, so it would have "
                "nothing to act on; check the candidates' attributes"
            )
        if c.at_least is not None and c.at_least > holders:
            raise ContestDefinitionError(
                f"at least {c.at_least} seats for {label} cannot be met: "
                f"{holders} such candidate{'s' * (holders != 1)} for {seats} seats"
            )
        out.append(
            {
                "attribute": c.attribute,
                "value": c.value,
                "at_least": c.at_least,
                "at_most": c.at_most,
            }
        )
    return out, candidates


def constraints_text(constraints: list[dict[str, Any]]) -> str | None:
    """Every constraint in force, in words, as the log records it (None when there are none)."""
    parts = []
    for c in constraints:
        bounds = []
        if c["at_least"] is not None:
            bounds.append(f"at least {c['at_least']}")
        if c["at_most"] is not None:
            bounds.append(f"at most {c['at_most']}")
        parts.append(f"{' and '.join(bounds)} to {c['attribute']}={c['value']}")
    return "; ".join(parts) or None


def check_definition(body: ContestCreate, *, now: dt.datetime) -> Definition:
    """The definition, or ``ContestDefinitionError`` naming what to change."""
    scope = Scope.parse(body.scope)
    seats, method, majority = body.seats, body.method, None
    constraints: list[dict[str, Any]] = []
    if body.kind in CHOICES:
        if body.options or body.candidates:
            raise ContestDefinitionError(
                f"a {body.kind} has the fixed choices {', '.join(CHOICES[body.kind])}; "
                "leave out options and candidates"
            )
        if method is not None or seats != 1 or body.constraints:
            raise ContestDefinitionError(
                f"a {body.kind} has one question: no method, seats or constraints"
            )
        options: list[tuple[str, dict[str, str]]] = [(name, {}) for name in CHOICES[body.kind]]
        majority = _majority(body)
    elif body.kind == "referendum":
        if not body.options or len(body.options) < 2 or body.candidates:
            raise ContestDefinitionError(
                "a referendum needs at least two options (and no candidates)"
            )
        if seats != 1 or method not in (None, "irv") or body.constraints:
            raise ContestDefinitionError("a referendum chooses one option by IRV")
        method = "irv"
        options = [(name, {}) for name in body.options]
    else:
        if not body.candidates or body.options:
            raise ContestDefinitionError("an election needs candidates (and no options)")
        if body.majority is not None:
            raise ContestDefinitionError(
                "an election is decided by its method, not a majority rule"
            )
        method = method or ("irv" if seats == 1 else "scottish_stv")
        if method == "irv" and seats != 1:
            raise ContestDefinitionError(
                "IRV fills one seat; use scottish_stv or meek_stv for more"
            )
        constraints, options = _constraints(body, seats)
    names = [name for name, _ in options]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ContestDefinitionError(f"each name must appear once: {', '.join(repeated)} repeat")
    if body.closes_at is not None:
        if body.closes_at.tzinfo is None:
            raise ContestDefinitionError("closes_at needs a time zone, e.g. 2026-12-01T18:00:00Z")
        if body.closes_at <= now:
            raise ContestDefinitionError("closes_at is in the past")
    if body.opens_at is not None:
        if body.opens_at.tzinfo is None:
            raise ContestDefinitionError("opens_at needs a time zone, e.g. 2026-12-01T09:00:00Z")
        if body.closes_at is not None and body.closes_at <= body.opens_at:
            raise ContestDefinitionError("closes_at must be after opens_at")
    return Definition(
        title=body.title,
        kind=body.kind,
        scope=scope,
        secret=body.secret,
        seats=seats,
        method=method,
        majority=majority,
        constraints=constraints,
        options=options,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        weighted=body.weighted,
    )


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else utc_text(value)


def manifest(
    *,
    contest_id: str,
    title: str,
    kind: str,
    scope: str,
    secret: bool,
    seats: int,
    method: str | None,
    majority: dict[str, Any] | None,
    constraints: list[dict[str, Any]],
    options: list[dict[str, Any]],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    weighted: bool = False,
) -> dict[str, Any]:
    """The contest as defined, as a JSON-able document (``options``: id, name, attributes).
    A card vote says ``"weighted": true``; other contests leave the key out."""
    document = {
        "v": 1,
        "contest": contest_id,
        "title": title,
        "kind": kind,
        "scope": scope,
        "secret": secret,
        "seats": seats,
        "method": method,
        "majority": majority,
        "constraints": constraints,
        "options": options,
        "opens_at": _time(opens_at),
        "closes_at": _time(closes_at),
    }
    if weighted:
        document["weighted"] = True
    return document


def manifest_digest(document: dict[str, Any]) -> str:
    """``sha256:<hex>`` of the manifest's canonical JSON."""
    return digest_of(canonical_json(document))
