"""Contracts for offices and recall petitions: the recall rules, signing, receipts, counts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.contests import MajorityIn, QuorumIn
from schemas.states import OfficeState, PetitionState
from schemas.text import Input

__all__ = [
    "RECALL_QUORUM",
    "NominationRulesIn",
    "OfficeCreate",
    "OfficeOut",
    "PetitionCreate",
    "PetitionOut",
    "PetitionReceipt",
    "PetitionReceiptProof",
    "PetitionReceiptsOut",
    "RecallRulesIn",
    "ReselectionOut",
    "ThresholdIn",
    "recall_majority",
]

OfficeKind = Literal["executive", "branch_officer", "councillor"]
Fraction = Annotated[str, msgspec.Meta(pattern=r"^\d+(/\d+)?$", examples=["1/5", "30"])]
Days = Annotated[int, msgspec.Meta(ge=1, le=366)]
Count = Annotated[int, msgspec.Meta(ge=0, le=100_000)]


class NominationRulesIn(Input):
    """A nomination needs ``supporting_members`` members, from at least
    ``supporting_branches`` branches, in the post's scope (the proposer counts as one)."""

    supporting_members: Count = 2
    supporting_branches: Count = 0


class ThresholdIn(Input):
    """How many signatures a recall petition needs: a fraction of the constituency's
    electorate at the roll snapshot when it starts (``"1/5"``), or a number (``"30"``)."""

    kind: Literal["fraction_of_electorate", "number"] = "fraction_of_electorate"
    value: Fraction = "1/5"


RECALL_QUORUM = "1/4"
"""The default quorum of a recall ballot, as a fraction of the constituency's electorate."""


def recall_majority() -> MajorityIn:
    """The default rule of a recall ballot: more yes than no, with at least
    ``RECALL_QUORUM`` of the constituency voting."""
    return MajorityIn(quorum=QuorumIn(kind="fraction_of_electorate", value=RECALL_QUORUM))


class RecallRulesIn(Input):
    """The standing orders for recalling an office's holder.

    A petition runs ``window_days``; reaching ``threshold`` opens a yes/no recall ballot of the
    constituency that closes after ``ballot_days`` and not before, carried by ``majority``
    (default: more yes than no with a quorum of a quarter of the constituency; a recall
    ballot always has a quorum, which the organisation sets). A recall that passes leaves the
    office vacant and, when ``reopen_nominations``, opens a by-election whose nominations run
    ``nomination_days`` under ``nomination_rules``.
    """

    threshold: ThresholdIn = msgspec.field(default_factory=ThresholdIn)
    window_days: Days = 42
    ballot_days: Days = 14
    majority: MajorityIn = msgspec.field(default_factory=recall_majority)
    reopen_nominations: bool = True
    nomination_days: Days = 14
    nomination_rules: NominationRulesIn = msgspec.field(default_factory=NominationRulesIn)


class OfficeCreate(Input):
    """An administrator records an office, its holder and the constituency that chose them."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    kind: OfficeKind
    scope: str
    holder: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    recall_rules: RecallRulesIn = msgspec.field(default_factory=RecallRulesIn)
    term_days: Annotated[int, msgspec.Meta(ge=30, le=3660)] | None = None
    """The length of a term; the first ends ``term_days`` from now unless ``term_ends_at``."""
    term_ends_at: dt.datetime | None = None
    reselection_days: Annotated[int, msgspec.Meta(ge=7, le=366)] = 60
    """Mandatory reselection: this long before a term ends an open selection for the next term
    opens, in which the holder must be nominated and supported again like any challenger."""


class OfficeOut(msgspec.Struct, omit_defaults=True):
    """An office as anyone may see it; ``holder`` is a membership number (holders are public)."""

    id: str
    title: str
    kind: OfficeKind
    scope: str
    state: OfficeState
    recall_rules: dict[str, object]
    holder: str | None = None
    holder_name: str | None = None
    term_ends_at: dt.datetime | None = None
    reselection_opens_at: dt.datetime | None = None
    reselection: str | None = None
    """The election of the open selection for the next term, once it has opened."""


class PetitionCreate(Input):
    """A member of the constituency starts a petition to recall the office's holder."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


class PetitionOut(msgspec.Struct, omit_defaults=True):
    """A petition as anyone in its constituency sees it: counts, never who signed.

    ``signed`` says whether the caller has a standing signature (members only).
    """

    id: str
    office: str
    scope: str
    reason: str
    reason_digest: str
    state: PetitionState
    signatures: int
    threshold: int
    electorate_size: int
    roll_snapshot_id: int
    roll_digest: str
    opened_at: dt.datetime
    closes_at: dt.datetime
    rules: dict[str, object]
    closed_at: dt.datetime | None = None
    receipts_root: str | None = None
    recall_contest: str | None = None
    by_election: str | None = None
    signed: bool | None = None


class PetitionReceipt(msgspec.Struct):
    """What a signer keeps. ``receipt`` is secret to them; once the petition closes, its hash
    is in the published ``receipts_root`` (``check`` proves it), which shows that their
    signature was counted without showing anyone else who signed."""

    petition: str
    receipt: str
    receipt_hash: str
    check: str


class PetitionReceiptProof(msgspec.Struct):
    """Inclusion of a receipt hash in the closed petition's receipts root (RFC 6962 Merkle
    tree over the sorted receipt hashes, as for a contest's box)."""

    petition: str
    receipt_hash: str
    index: int
    size: int
    receipts_root: str
    proof: list[str]


class PetitionReceiptsOut(msgspec.Struct):
    """A closed petition's receipt hashes, sorted (anyone): their number is the count, their
    RFC 6962 Merkle root is ``receipts_root``; who signed is published to nobody."""

    petition: str
    signatures: int
    threshold: int
    receipts_root: str
    receipt_hashes: list[str]


class ReselectionOut(msgspec.Struct, omit_defaults=True):
    """An office with a term and its selection for the next term: ``open`` (``election``),
    ``due`` (the clock opens it within seconds) or ``scheduled`` (opens at ``opens_at``)."""

    office: str
    title: str
    scope: str
    term_ends_at: dt.datetime
    opens_at: dt.datetime
    state: Literal["scheduled", "due", "open"]
    holder: str | None = None
    election: str | None = None
