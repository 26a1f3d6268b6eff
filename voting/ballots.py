"""A ballot as cast: checked against the contest, then stored as canonical JSON.

The stored content names options by their position on the ballot paper (0 = first), never by
who cast it: ``{"choice":"for"}`` for motions and recalls, ``{"ranking":[2,0,1]}`` for
elections and referendums. The same vote always gives the same bytes, so the published ballots
can be put in a canonical order and digested.

In a card vote (a weighted contest) a ballot also carries the weight of the elector it was
cast for, ``{"choice":"for","weight":120}``, taken from their frozen electorate row, never from
the voter; a weight of 1 is left out, so an unweighted ballot reads the same in any contest.
The weight is inside the content, so the box commitment, the published ballots and the recount
all cover it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

from audit.canonical import canonical_json
from schemas.contests import BallotIn
from schemas.problems import DomainError
from voting.definition import CHOICES

__all__ = [
    "MAX_RANKING",
    "InvalidBallot",
    "decode_ballot",
    "encode_ballot",
    "longest_content",
    "weighed",
    "weight_of",
]

MAX_RANKING = 200


class InvalidBallot(DomainError):
    """The ballot cannot be counted as sent; nothing was recorded."""

    title = "Invalid ballot"


def weighed(document: dict[str, object], weight: int) -> dict[str, object]:
    """``document`` carrying ``weight`` (left out when it is 1)."""
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
        raise ValueError(f"a ballot's weight is a whole number of at least 1, not {weight!r}")
    return document if weight == 1 else {**document, "weight": weight}


def weight_of(document: dict[str, object]) -> int:
    """What a decoded ballot counts for: its ``weight``, or 1. ``ValueError`` for a weight
    that is not a whole number above 1 (1 is never written)."""
    if "weight" not in document:
        return 1
    weight = document["weight"]
    if isinstance(weight, bool) or not isinstance(weight, int) or weight < 2:
        raise ValueError(f"a ballot's weight is a whole number above 1, not {weight!r}")
    return weight


def encode_ballot(
    kind: str, option_ids: Sequence[str], ballot: BallotIn, *, weight: int = 1
) -> bytes:
    """Canonical content for ``ballot`` in a contest of ``kind`` whose options, in order, have
    ``option_ids``, carrying ``weight`` (a card vote's, from the electorate row); ``InvalidBallot``
    with a precise message otherwise. Cost: O(ranking)."""
    return canonical_json(weighed(_content(kind, option_ids, ballot), weight))


def _content(kind: str, option_ids: Sequence[str], ballot: BallotIn) -> dict[str, object]:
    if kind in CHOICES:
        choices = CHOICES[kind]
        if ballot.option is not None or ballot.ranking is not None or ballot.choice is None:
            raise InvalidBallot(
                f'a {kind} ballot is {{"choice": ...}} with one of {", ".join(choices)}'
            )
        if ballot.choice not in choices:
            raise InvalidBallot(f"choice {ballot.choice!r} is not one of {', '.join(choices)}")
        return {"choice": ballot.choice}
    if ballot.choice is not None:
        raise InvalidBallot(f'an {kind} ballot ranks options; send {{"ranking": [ID, ...]}}')
    if ballot.option is not None:
        if kind != "referendum" or ballot.ranking is not None:
            raise InvalidBallot(
                'send either {"option": ID} (referendums) or {"ranking": [ID, ...]}'
            )
        ids = [ballot.option]
    elif ballot.ranking is not None:
        ids = ballot.ranking
    else:
        raise InvalidBallot('the ballot is empty; send {"ranking": [ID, ...]} with at least one')
    if not ids:
        raise InvalidBallot("the ranking is empty; rank at least one")
    if len(ids) > MAX_RANKING:
        raise InvalidBallot(f"the ranking has {len(ids)} entries; rank at most {MAX_RANKING}")
    if len(ids) > len(option_ids):
        raise InvalidBallot(
            f"the ranking has {len(ids)} entries; there are only {len(option_ids)} to rank"
        )
    position = {oid: i for i, oid in enumerate(option_ids)}
    ranking = []
    seen: set[str] = set()
    for place, oid in enumerate(ids, start=1):
        if oid not in position:
            raise InvalidBallot(f"preference {place}: {oid!r} is not a candidate in this contest")
        if oid in seen:
            raise InvalidBallot(f"preference {place}: {oid!r} is ranked twice")
        seen.add(oid)
        ranking.append(position[oid])
    return {"ranking": ranking}


@functools.lru_cache(maxsize=256)
def longest_content(kind: str, option_count: int) -> int:
    """The length of the longest canonical content a ballot in a contest of ``kind`` with
    ``option_count`` options can have: every choice, or a ranking of them all, carrying the
    largest card-vote weight (sealed ballots are padded to it, so their length says nothing of
    the vote, nor of whether it was a card vote)."""
    if kind in CHOICES:
        longest = max(len(canonical_json({"choice": c})) for c in CHOICES[kind])
    else:
        longest = len(canonical_json({"ranking": list(range(min(option_count, MAX_RANKING)))}))
    return longest + _WEIGHT_ROOM


# What a weight adds at most: ``,"weight":`` and a 64-bit whole number.
_WEIGHT_ROOM = len(',"weight":') + len(str(2**63))


def decode_ballot(content: bytes) -> dict[str, object]:
    """The stored content as a dict (``choice`` or ``ranking``)."""
    value = json.loads(content)
    if not isinstance(value, dict):
        raise ValueError("a ballot is a JSON object")
    return value
