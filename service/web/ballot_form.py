"""Reading a ballot from a page's form, with messages a voter can act on.

Motions and recalls send ``choice``; elections and referendums send one number box per
candidate, ``rank-<option id>``, which works with no JavaScript at all (the script that lets a
member tap, drag or use the keyboard only fills in the same boxes). The numbers must be whole,
from 1, with no repeats and no gaps; anything else comes back to the voter with a message next
to the box. The ballot is then checked by ``voting.ballots.encode_ballot``, the same check the
API makes, before anything is shown for review or cast. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.contests import BallotIn, OptionOut
from service.web.i18n import N_
from voting.ballots import encode_ballot
from voting.definition import CHOICES

__all__ = ["RANK_FIELD", "BallotForm", "FormError", "read_ballot"]

RANK_FIELD = "rank-"
"""Prefix of the number box for each candidate: ``rank-<option id>``."""


@dataclass(frozen=True, slots=True)
class FormError:
    """A message (a translation id with its values) about one field, or the whole form."""

    field: str
    message: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BallotForm:
    """What the voter sent: the values as typed (to show again), and the ballot if valid."""

    values: dict[str, str]
    errors: list[FormError]
    ballot: BallotIn | None
    ranking: list[OptionOut]

    @property
    def valid(self) -> bool:
        return self.ballot is not None and not self.errors


def _choice(kind: str, form: Mapping[str, str]) -> BallotForm:
    choice = form.get("choice", "")
    values = {"choice": choice}
    if choice not in CHOICES[kind]:
        return BallotForm(
            values, [FormError("choice", N_("Choose one of the answers."))], None, ranking=[]
        )
    return BallotForm(values, [], BallotIn(choice=choice), ranking=[])


def _ranked(options: Sequence[OptionOut], form: Mapping[str, str]) -> BallotForm:
    values: dict[str, str] = {}
    errors: list[FormError] = []
    numbered: dict[int, list[OptionOut]] = {}
    top = len(options)
    for option in options:
        name = RANK_FIELD + option.id
        raw = form.get(name, "").strip()
        values[name] = raw
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            errors.append(
                FormError(
                    name,
                    N_("Next to {name}, write a whole number from 1 to {top}, or leave it empty."),
                    {"name": option.name, "top": top},
                )
            )
            continue
        numbered.setdefault(int(raw), []).append(option)
    if errors:
        return BallotForm(values, errors, None, ranking=[])
    if not numbered:
        return BallotForm(
            values,
            [FormError("ranking", N_("Write 1 next to your first choice."))],
            None,
            ranking=[],
        )
    for number, holders in sorted(numbered.items()):
        if len(holders) > 1:
            errors.append(
                FormError(
                    RANK_FIELD + holders[1].id,
                    N_(
                        "You wrote {number} next to more than one name ({names}). "
                        "Give each name a different number."
                    ),
                    {"number": number, "names": ", ".join(h.name for h in holders)},
                )
            )
    for expected in range(1, max(numbered) + 1):
        if expected not in numbered:
            errors.append(
                FormError(
                    "ranking",
                    N_(
                        "There is no {missing}: number your choices 1, 2, 3 and so on, "
                        "without gaps."
                    ),
                    {"missing": expected},
                )
            )
            break
    if errors:
        return BallotForm(values, errors, None, ranking=[])
    ranking = [numbered[n][0] for n in sorted(numbered)]
    return BallotForm(values, [], BallotIn(ranking=[o.id for o in ranking]), ranking=ranking)


def read_ballot(kind: str, options: Sequence[OptionOut], form: Mapping[str, str]) -> BallotForm:
    """The ballot in ``form`` for a contest of ``kind`` with ``options`` in ballot-paper order,
    checked by the voting rules themselves (``InvalidBallot`` if the form was tampered with).
    Cost: O(number of options)."""
    read = _choice(kind, form) if kind in CHOICES else _ranked(options, form)
    if read.ballot is not None and not read.errors:
        encode_ballot(kind, [o.id for o in options], read.ballot)
    return read
