"""Offices, the recall petitions against their holders, and the signatures, as tables.

An office (a seat on the executive, a branch officer, a councillor the branch selected) has a
holder and a constituency (its scope) and the recall rules its standing orders set. A petition
against the holder freezes its threshold from the constituency's electorate at the roll
snapshot when it starts. A signature row holds the member (so each signs once and may withdraw)
and the hash of the receipt they were given, so each signs once and may withdraw; nobody is
shown who signed (no route, page or role reads it), and the log never carries it. The log
counts signatures in batches (``signatures_logged`` is the count its last batch gave;
``pending_since`` the start of the interval in which the first change since then was made), so
no entry's time points at one signer. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.base import DefaultBase, UUIDBase
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from assembly.models import known
from schemas.states import OFFICE_STATES, PETITION_STATES, OfficeState, PetitionState

__all__ = [
    "OFFICE_KINDS",
    "PETITION_STATES",
    "Office",
    "PetitionSignature",
    "RecallPetition",
]

OFFICE_KINDS = ("executive", "branch_officer", "councillor")


class Office(UUIDBase):
    """An office, its holder (none when vacant) and the constituency that elects them."""

    __tablename__ = "office"
    __table_args__ = (
        known("kind", OFFICE_KINDS, "office_kind"),
        known("state", OFFICE_STATES, "office_state"),
    )

    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(80))
    state: Mapped[OfficeState] = mapped_column(String(16), default="held")
    holder_member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    recall_rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    filled_under: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """For an office an election filled: the representation rules it was filled under
    (``group``: the election and post whose seats it shares, ``seats``, ``rules``), so a
    vacancy is filled so that they still hold."""
    term_ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    """When the holder's term ends (None: the office has no fixed term)."""
    term_days: Mapped[int | None] = mapped_column(Integer)
    reselection_days: Mapped[int | None] = mapped_column(Integer)
    """How long before the term ends the open selection for the next term opens."""
    reselection_election_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("election.id", ondelete="RESTRICT")
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class RecallPetition(UUIDBase):
    """A petition to recall an office's holder: its frozen threshold, window and outcome."""

    __tablename__ = "recall_petition"
    __table_args__ = (
        known("state", PETITION_STATES, "recall_petition_state"),
        CheckConstraint("threshold >= 1", name="recall_petition_threshold_positive"),
    )

    office_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("office.id", ondelete="RESTRICT"), index=True
    )
    holder_member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    scope: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    reason_digest: Mapped[str] = mapped_column(String(71))
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[PetitionState] = mapped_column(String(16), default="open", index=True)
    electorate_size: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    roll_snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("roll_snapshot.id", ondelete="RESTRICT")
    )
    roll_digest: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    signatures: Mapped[int] = mapped_column(Integer, default=0)
    signatures_logged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pending_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    receipts_root: Mapped[str | None] = mapped_column(String(64))
    contest_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contest.id", ondelete="RESTRICT")
    )
    by_election_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("election.id", ondelete="RESTRICT")
    )
    started_by_member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    log_indexes: Mapped[list[int]] = mapped_column(JSONB, default=list)


class PetitionSignature(DefaultBase):
    """A standing signature: the member and the hash of the receipt they hold."""

    __tablename__ = "petition_signature"
    __table_args__ = (
        UniqueConstraint("petition_id", "receipt_hash", name="petition_signature_receipt_once"),
    )

    petition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recall_petition.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    receipt_hash: Mapped[bytes] = mapped_column(LargeBinary)
