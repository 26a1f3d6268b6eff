"""Counting rules: the :class:`Rule` API, and the registry the CLI and the service pick from.

This module sits on top of the counting core and only names what lies below it; the imports
of ``tally`` form a tree (``tests/tally/test_import_graph.py`` checks it):

- :mod:`tally.transfer` holds :class:`~tally.transfer.TransferRule` beside its count loop, the
  Gregory family: Scottish STV (SSI 2007/42 Schedule 1 rules 45–52: Droop quota, weighted
  inclusive Gregory, transfer values truncated to 5 decimals, one surplus per stage) and IRV
  (a majority of the votes still in the count, one exclusion per stage);
- :mod:`tally.meek` holds :class:`~tally.meek.MeekRule` beside its count loop;
- both take representation constraints (:mod:`tally.constraints`, data and checks only) as
  part of ``count``, and draw ties from :mod:`tally.seeded_lot`; every rounding is one of
  :mod:`tally.arithmetic`'s.

How to add a rule: write a module below this one with an object satisfying :class:`Rule`
(a ``name``, its ``decimals`` and ``count(election, seed=..., constraints=...) ->
Transcript``), built on the shared pieces rather than copies of them:
:class:`tally.ballots.Election` and its grouped :class:`~tally.ballots.Ballot` rankings;
:mod:`tally.arithmetic` for scaled integers and their rounding; :func:`tally.ties.break_tie`
with a :class:`tally.seeded_lot.SeededLot` for ties; :class:`tally.transcript.Stage` for each
stage and :func:`tally.transcript.check_balance` in your tests. Then add it to ``_RULES`` here:
``python -m tally count --rule <name>`` and the service find it with no other change. A rule
that cannot honour constraints raises :class:`tally.errors.CountError` when given some.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tally.ballots import Election
from tally.constraints import Constraint
from tally.errors import CountError
from tally.meek import RULE
from tally.transcript import Transcript
from tally.transfer import IRV, SCOTTISH, TransferRule

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

    def count(
        self,
        election: Election,
        *,
        seed: str | None = None,
        constraints: Sequence[Constraint] = (),
    ) -> Transcript:
        """Count ``election``; ``seed`` seeds any draw by lot (recorded in the transcript);
        ``constraints`` are representation constraints, refused by a rule that cannot meet
        them."""
        ...


_RULES: dict[str, Rule] = {
    "scottish": SCOTTISH,
    "irv": IRV,
    "meek": RULE,
}


def rule_named(name: str) -> Rule:
    """The rule called ``name`` (``scottish``, ``irv``, ``meek``);
    raises :class:`CountError` naming the choices when the name is unknown."""
    rule = _RULES.get(name)
    if rule is None:
        known = ", ".join(sorted(_RULES))
        raise CountError(f"unknown rule {name!r}: choose one of {known}")
    return rule


def default_rule_name(seats: int) -> str:
    """``scottish`` for several seats, ``irv`` for one."""
    return "irv" if seats == 1 else "scottish"
