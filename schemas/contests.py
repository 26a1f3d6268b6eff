"""Contracts for contests: defining them, casting, receipts, turnout and results."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec

from schemas.bundle import RecordedVote
from schemas.states import ContestState
from schemas.text import Input, lookalike_problem

__all__ = [
    "BallotIn",
    "CandidateIn",
    "ConstraintIn",
    "ContestCreate",
    "ContestOut",
    "MajorityIn",
    "OptionOut",
    "QuorumIn",
    "Receipt",
    "ReceiptProof",
    "ResultOut",
    "Turnout",
]

Kind = Literal["motion", "election", "recall", "referendum"]
Method = Literal["scottish_stv", "meek_stv", "irv"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Fraction = Annotated[str, msgspec.Meta(pattern=r"^\d+(/\d+)?$", examples=["1/2", "2/3"])]


class CandidateIn(Input):
    """A candidate: a name and optional self-described attributes used by constraints."""

    name: Name
    attributes: dict[str, str] = {}


class ConstraintIn(Input):
    """At least / at most so many seats to candidates whose ``attribute`` is ``value``."""

    attribute: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    value: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    at_least: Annotated[int, msgspec.Meta(ge=0)] | None = None
    at_most: Annotated[int, msgspec.Meta(ge=0)] | None = None


class QuorumIn(Input):
    """Minimum turnout: a fraction of the electorate (``"1/4"``) or a number of voters."""

    kind: Literal["fraction_of_electorate", "number"]
    value: Fraction


class MajorityIn(Input):
    """When a motion or recall is carried: ``threshold`` of ``base``, strictly or not."""

    base: Literal["cast", "cast_with_abstentions", "electorate"] = "cast"
    threshold: Fraction = "1/2"
    comparison: Literal["more_than", "at_least"] = "more_than"
    quorum: QuorumIn | None = None


class ContestCreate(Input):
    """A returning officer defines a contest (it starts as a draft)."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    kind: Kind
    scope: str = "national"
    secret: bool = True
    options: list[Name] | None = None
    candidates: list[CandidateIn] | None = None
    seats: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    method: Method | None = None
    constraints: list[ConstraintIn] = []
    majority: MajorityIn | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    weighted: Annotated[
        bool,
        msgspec.Meta(
            description="a card vote: each ballot counts for its elector's weight, frozen with "
            "the electorate (an assembly's delegates carry their branch's membership)"
        ),
    ] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        for field, names in (
            ("options", self.options or []),
            ("candidates", [c.name for c in self.candidates or []]),
        ):
            problem = lookalike_problem(field, names)
            if problem:
                raise ValueError(problem)


class OptionOut(msgspec.Struct):
    """A candidate or option as shown on the ballot paper."""

    id: str
    name: str
    attributes: dict[str, str] = {}


class ContestOut(msgspec.Struct, omit_defaults=True):
    """A contest as the caller may see it; ``voted`` says whether the caller has voted."""

    id: str
    title: str
    kind: Kind
    scope: str
    secret: bool
    state: ContestState
    seats: int
    manifest_digest: str
    method: str | None = None
    majority: dict[str, Any] | None = None
    constraints: list[dict[str, Any]] = []
    candidates: list[OptionOut] | None = None
    options: list[OptionOut] | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    electorate_size: int | None = None
    roll_snapshot_id: int | None = None
    roll_digest: str | None = None
    voters: int | None = None
    receipts_root: str | None = None
    ballots_digest: str | None = None
    result_digest: str | None = None
    voted: bool | None = None


class BallotIn(Input):
    """``{"choice": "for"}`` (motions: for/against/abstain; recalls: yes/no/abstain),
    ``{"option": ID}`` (referendums) or ``{"ranking": [ID, ...]}`` (elections, referendums)."""

    choice: str | None = None
    option: str | None = None
    ranking: list[str] | None = None
    on_behalf_of: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=64,
                description="a proxy casts this ballot for the member with this number, who "
                "named them before the vote opened",
            ),
        ]
        | None
    ) = None


class Receipt(msgspec.Struct):
    """What a voter keeps. ``receipt`` is secret to them; after the contest closes, its hash is
    in the published box commitment (``receipts_root``), which ``check`` proves. It says that
    a ballot of theirs was counted, not how they voted, so it cannot be used to prove a vote."""

    contest: str
    receipt: str
    receipt_hash: str
    check: str


class ReceiptProof(msgspec.Struct):
    """Inclusion of a receipt hash in the box commitment (RFC 6962 Merkle tree over the sorted
    receipt hashes; leaf = SHA-256(0x00 || receipt hash bytes))."""

    contest: str
    receipt_hash: str
    index: int
    size: int
    receipts_root: str
    proof: list[str]


class Turnout(msgspec.Struct):
    """How many of the electorate have voted (counts only)."""

    contest: str
    state: ContestState
    electorate: int | None
    voted: int


class ResultOut(msgspec.Struct, omit_defaults=True):
    """The outcome and figures, and the full transcript from ``tally``; for a recorded
    (roll-call) contest, ``roll_call`` names who voted how."""

    contest: str
    kind: str
    state: ContestState
    result_digest: str
    outcome: str | None = None
    elected: list[OptionOut] | None = None
    figures: dict[str, Any] | None = None
    transcript: dict[str, Any] | None = None
    weighted: Annotated[
        bool, msgspec.Meta(description="a card vote: every figure is in votes carried, not heads")
    ] = False
    weight_cast: int | None = None
    electorate_weight: int | None = None
    roll_call: list[RecordedVote] | None = None
