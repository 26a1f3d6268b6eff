"""The one conversion between the majority rule as the API takes it and as ``tally`` counts it.

A contest's definition, an assembly's standing orders and the recall rules all take a
:class:`schemas.contests.MajorityIn` (base, threshold, comparison, quorum) and keep a
:class:`tally.majority.MajorityRule`; a motion vote and a recall ballot hand a stored rule back to
the contest contract. Both directions are here, so the three never disagree on a field.
"""

from __future__ import annotations

from schemas.contests import MajorityIn, QuorumIn
from schemas.problems import DomainError
from tally.majority import MajorityRule

__all__ = ["contract_of", "rule_of"]


def rule_of(given: MajorityIn, *, what: str, error: type[DomainError]) -> MajorityRule:
    """``given`` as the rule ``tally`` counts by; raises ``error`` naming ``what`` when it
    cannot be (a threshold that is not a fraction, an unknown base or comparison)."""
    quorum = None
    if given.quorum is not None:
        quorum = {"kind": given.quorum.kind, "value": given.quorum.value}
    try:
        return MajorityRule.from_dict(
            {
                "base": given.base,
                "threshold": given.threshold,
                "comparison": given.comparison,
                "quorum": quorum,
            }
        )
    except (ValueError, ZeroDivisionError, KeyError) as exc:
        raise error(f"{what}: {exc}") from None


def contract_of(rule: MajorityRule) -> MajorityIn:
    """A rule ``tally`` counts by, as the contest contract takes it."""
    data = rule.to_dict()
    quorum = data.get("quorum")
    return MajorityIn(
        base=data["base"],
        threshold=str(data["threshold"]),
        comparison=data["comparison"],
        quorum=None
        if quorum is None
        else QuorumIn(kind=quorum["kind"], value=str(quorum["value"])),
    )
