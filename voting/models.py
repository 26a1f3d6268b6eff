"""Contests and what is cast in them, as tables.

Secrecy is in the shape of the tables: a secret contest's ballots (``contest_ballot``) carry no
member, no time and a random id, and its receipts (``contest_receipt``) are a separate set of
hashes with nothing linking one to a ballot. Whether a member has voted lives only in the frozen
electorate (``contest_elector``). The member roll's tables (``member``, ``branch``, ``region``,
``roll_snapshot``) belong to ``roll``; this package calls its functions (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.base import DefaultBase, UUIDBase
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from schemas.states import CONTEST_STATES, ContestState

__all__ = [
    "CONTEST_KINDS",
    "CONTEST_STATES",
    "METHODS",
    "Contest",
    "ContestBallot",
    "ContestElector",
    "ContestOption",
    "ContestReceipt",
]

CONTEST_KINDS = ("motion", "election", "recall", "referendum")
METHODS = ("scottish_stv", "meek_stv", "irv")


class Contest(UUIDBase):
    """Anything members vote on, from definition to published result."""

    __tablename__ = "contest"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('motion', 'election', 'recall', 'referendum')", name="contest_kind_known"
        ),
        CheckConstraint(
            "state IN ('draft', 'open', 'closed', 'counted', 'published')",
            name="contest_state_known",
        ),
        CheckConstraint("seats >= 1", name="contest_seats_positive"),
    )

    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(80))
    secret: Mapped[bool] = mapped_column(Boolean)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    method: Mapped[str | None] = mapped_column(String(16))
    majority: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    constraints: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    state: Mapped[ContestState] = mapped_column(String(16), default="draft", index=True)
    opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    manifest_digest: Mapped[str] = mapped_column(String(71))
    # Frozen when the contest opens.
    roll_snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("roll_snapshot.id", ondelete="RESTRICT")
    )
    roll_digest: Mapped[str | None] = mapped_column(String(64))
    electorate_size: Mapped[int | None] = mapped_column(Integer)
    # A card vote: each elector's ballot carries their weight; the electorate's total weight.
    weighted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    electorate_weight: Mapped[int | None] = mapped_column(BigInteger)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The box commitment, fixed when it closes.
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voters: Mapped[int | None] = mapped_column(Integer)
    receipts_root: Mapped[str | None] = mapped_column(String(64))
    ballots_digest: Mapped[str | None] = mapped_column(String(64))
    # The count and its certification.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    result_digest: Mapped[str | None] = mapped_column(String(71))
    counted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Log indexes of this contest's decisions, for its audit bundle.
    log_indexes: Mapped[list[int]] = mapped_column(JSONB, default=list)


class ContestOption(UUIDBase):
    """A candidate (elections) or option (referendums, motions: for/against/abstain; recalls:
    yes/no), in ballot-paper order."""

    __tablename__ = "contest_option"

    contest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contest.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)


class ContestElector(DefaultBase):
    """One member of a contest's frozen electorate, and whether they have voted (never how).

    ``weight`` is what their vote counts for (1, or a card vote's weight); ``proxy_member_id``
    is the member who may cast it for them, frozen with the electorate when the contest opens.
    """

    __tablename__ = "contest_elector"
    __table_args__ = (CheckConstraint("weight >= 1", name="weight_positive"),)

    contest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    voted: Mapped[bool] = mapped_column(Boolean, default=False)
    weight: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    proxy_member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )


class ContestBallot(DefaultBase):
    """A cast ballot: canonical JSON content under a random id. ``member_id`` is set only in
    recorded contests, which publish who voted how."""

    __tablename__ = "contest_ballot"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    contest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contest.id", ondelete="CASCADE"), index=True
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )


class ContestReceipt(DefaultBase):
    """The hash of a receipt a voter holds; nothing ties it to a ballot or a member."""

    __tablename__ = "contest_receipt"

    contest_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contest.id", ondelete="CASCADE"), primary_key=True
    )
    receipt_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
