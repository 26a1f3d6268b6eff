"""Elections, their posts, nominations and the members supporting them, as tables.

An election has posts (each its own scope, seats and counting method) and a nominations
window. A nomination names a candidate for one post; members in the post's scope support it
(once each, from their branch), the candidate accepts with a statement, and may withdraw until
the ballots open. When they open, each contested post becomes a ranked contest whose ballot
order (``ballot_order``: nomination ids) was shuffled from a logged seed. Member ids are kept
here to count supporters once each; the log never carries them. See docs/ARCHITECTURE.md.
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
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from assembly.models import known
from schemas.states import (
    ELECTION_STATES,
    NOMINATION_STATES,
    POST_STATES,
    ElectionState,
    NominationState,
    PostState,
)

__all__ = [
    "ELECTION_STATES",
    "NOMINATION_STATES",
    "POST_STATES",
    "Election",
    "ElectionPost",
    "Nomination",
    "NominationSupporter",
]


class Election(UUIDBase):
    """An election: its posts, nominations window, nomination rules and representation rules."""

    __tablename__ = "election"
    __table_args__ = (known("state", ELECTION_STATES, "election_state"),)

    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[ElectionState] = mapped_column(String(24), default="nominations_open")
    nominations_open_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    nominations_close_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ballots_close_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    nomination_rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    constraints: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    recall_rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    rules_digest: Mapped[str] = mapped_column(String(71))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    log_indexes: Mapped[list[int]] = mapped_column(JSONB, default=list)


class ElectionPost(UUIDBase):
    """One post of an election (``seats`` seats in ``scope``), balloted as one contest.

    ``office_id`` is set for a by-election: the post fills that vacant office.
    """

    __tablename__ = "election_post"
    __table_args__ = (
        UniqueConstraint("election_id", "number", name="election_post_number_once"),
        known("state", POST_STATES, "election_post_state"),
        CheckConstraint("seats >= 1", name="election_post_seats_positive"),
    )

    election_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("election.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(String(80))
    seats: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    office_kind: Mapped[str] = mapped_column(String(24), default="executive")
    state: Mapped[PostState] = mapped_column(String(16), default="nominations")
    office_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("office.id", ondelete="RESTRICT")
    )
    ballot_order_seed: Mapped[str | None] = mapped_column(String(71))
    ballot_order: Mapped[list[str] | None] = mapped_column(JSONB)
    constraints: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    contest_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contest.id", ondelete="RESTRICT")
    )
    elected: Mapped[list[str] | None] = mapped_column(JSONB)


class Nomination(UUIDBase):
    """A candidate nominated for a post by a member, supported by members in its scope."""

    __tablename__ = "nomination"
    __table_args__ = (
        UniqueConstraint("post_id", "candidate_member_id", name="nomination_once_per_post"),
        known("state", NOMINATION_STATES, "nomination_state"),
    )

    election_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("election.id", ondelete="RESTRICT"), index=True
    )
    post_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("election_post.id", ondelete="RESTRICT"), index=True
    )
    candidate_member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    proposer_member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    state: Mapped[NominationState] = mapped_column(String(16), default="proposed")
    statement: Mapped[str | None] = mapped_column(Text)
    statement_digest: Mapped[str | None] = mapped_column(String(71))
    lapsed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class NominationSupporter(DefaultBase):
    """A member supporting a nomination (once each), and the branch they support it from."""

    __tablename__ = "nomination_supporter"

    nomination_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("nomination.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    branch_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("branch.id", ondelete="RESTRICT"))
