"""Counting rules as small objects, and the registry the CLI and the service pick them from.

A rule fixes the quota, the transfer, the rounding and the tie-break; the count loop is written
once per family and takes the rule as data:

- :class:`TransferRule` is the Gregory family counted by :func:`tally.transfer.count_by_transfer`:
  Scottish STV (SSI 2007/42 Schedule 1 rules 45–52: Droop quota, weighted inclusive Gregory,
  transfer values truncated to 5 decimals, one surplus per stage) and IRV (a majority of the
  votes still in the count, one exclusion per stage).
- Any other rule implements the :class:`Rule` protocol: a ``name``, its ``decimals`` and
  ``count(election, seed=...) -> Transcript``.

How to plug in a new rule (Meek STV, ``tally/meek.py``): expose ``RULE`` (an object satisfying
:class:`Rule`, ``name = "meek"``) from ``tally.meek``; :func:`rule_named` imports it on demand, so
``python -m tally count --rule meek`` and the service find it with no change here. Build on the
shared pieces rather than copying them: :class:`tally.ballots.Election` and its grouped
:class:`~tally.ballots.Ballot` rankings (groups of several candidates are equal rankings, which
Meek defines); :mod:`tally.arithmetic` for scaled integers (``decimals = 9`` for ``fixed9``);
:func:`tally.ties.break_tie` for ties (earlier stages, then :class:`tally.lot.Lot`);
:class:`tally.transcript.Stage` with ``action="iteration"`` and ``keep_factors`` for each
iteration you record, and :func:`tally.transcript.check_balance` in your tests. Constraints
(``tally/constraints.py``) read ``Election.attributes``.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Protocol

from tally.arithmetic import scale_of
from tally.ballots import Election
from tally.errors import CountError
from tally.transcript import Transcript

__all__ = ["IRV", "SCOTTISH", "Rule", "TransferRule", "default_rule_name", "rule_named"]


class Rule(Protocol):
    """A counting rule: turns an election into a transcript, deterministically given ``seed``."""

    @property
    def name(self) -> str:
        """Short name used on the command line and in result documents."""
        ...

    @property
    def decimals(self) -> int:
        """Decimal places of the rule's arithmetic (values are scaled by ``10**decimals``)."""
        ...

    def count(self, election: Election, *, seed: str | None = None) -> Transcript:
        """Count ``election``; ``seed`` seeds any draw by lot (recorded in the transcript)."""
        ...


@dataclass(frozen=True, slots=True)
class TransferRule:
    """A rule of the Gregory family: votes move as whole parcels at a transfer value.

    ``decimals``: transfer values and votes are truncated to this many places (rule 48(3)).
    ``transfer_surpluses``: surpluses are transferred (STV); IRV elects on a majority and stops.
    ``majority_of_continuing``: the quota is recomputed each stage as a majority of the votes
    still held by continuing candidates (IRV) instead of the Droop quota of valid votes
    (rule 46).
    """

    name: str
    decimals: int
    transfer_surpluses: bool
    majority_of_continuing: bool
    title: str

    def droop_quota(self, valid_papers: int, seats: int) -> int:
        """⌊valid papers / (seats + 1)⌋ + 1, scaled (SSI 2007/42 rule 46). Cost: O(1)."""
        return (valid_papers // (seats + 1) + 1) * scale_of(self.decimals)

    def count(self, election: Election, *, seed: str | None = None) -> Transcript:
        """Count by :func:`tally.transfer.count_by_transfer` under this rule."""
        from tally.transfer import count_by_transfer

        return count_by_transfer(election, self, seed=seed)


SCOTTISH = TransferRule(
    name="scottish",
    decimals=5,
    transfer_surpluses=True,
    majority_of_continuing=False,
    title="Scottish STV (SSI 2007/42 Schedule 1, rules 45–52)",
)
IRV = TransferRule(
    name="irv",
    decimals=0,
    transfer_surpluses=False,
    majority_of_continuing=True,
    title="Instant-runoff voting (majority of continuing votes, one exclusion per stage)",
)

_BUILT_IN: dict[str, Rule] = {"scottish": SCOTTISH, "irv": IRV}
_PLUG_INS = {"meek": "tally.meek"}


def rule_named(name: str) -> Rule:
    """The rule called ``name`` (``scottish``, ``irv``, ``meek``).

    Plug-in rules are imported on demand from their module's ``RULE``; raises
    :class:`CountError` when the name is unknown or the module is not installed.
    """
    if name in _BUILT_IN:
        return _BUILT_IN[name]
    module_name = _PLUG_INS.get(name)
    if module_name is None:
        known = ", ".join(sorted([*_BUILT_IN, *_PLUG_INS]))
        raise CountError(f"unknown rule {name!r}: choose one of {known}")
    if importlib.util.find_spec(module_name) is None:
        raise CountError(f"the {name} rule is not available in this installation")
    module = importlib.import_module(module_name)
    rule = getattr(module, "RULE", None)
    if rule is None:
        raise CountError(f"the {name} rule is not available: {module_name} has no RULE")
    return rule  # type: ignore[no-any-return]


def default_rule_name(seats: int) -> str:
    """``scottish`` for several seats, ``irv`` for one."""
    return "irv" if seats == 1 else "scottish"
