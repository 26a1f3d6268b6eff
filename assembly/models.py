"""Assemblies, motions, amendments and their seconders, as tables.

A motion keeps the text it was submitted with (``paragraphs``, whose numbering every amendment
refers to), the text as amended while its amendments are voted (``current_paragraphs``) and,
once carried, its final text (``final_paragraphs``), each with its digest in the log. Links
between motions keep provenance: a composite's sources point at it (``composited_into_id``), a
forwarded motion at the regional motion it came from (``forwarded_from_id``). Member ids are
stored here for seconding once each; the log never carries them.
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
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from schemas.states import (
    AMENDMENT_STATES,
    ASSEMBLY_STATES,
    MOTION_STATES,
    SPEAKER_STATES,
    AmendmentState,
    AssemblyState,
    MotionState,
    MotionVoteState,
    SpeakerState,
)

__all__ = [
    "AMENDMENT_STATES",
    "MOTION_STATES",
    "Amendment",
    "AmendmentSeconder",
    "Assembly",
    "AssemblyLogEntry",
    "Motion",
    "MotionSeconder",
    "SpeakerRequest",
    "known",
]


def known(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values`` (a state's tuple, a kind's), named."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


class Assembly(UUIDBase):
    """A conference, regional assembly or branch meeting with its timetable and rules."""

    __tablename__ = "assembly"
    __table_args__ = (
        known("kind", ("conference", "regional_assembly", "branch_meeting"), "assembly_kind"),
        known("state", ASSEMBLY_STATES, "assembly_state"),
    )

    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(80))
    state: Mapped[AssemblyState] = mapped_column(String(24), default="draft")
    opens_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    motions_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    amendments_deadline: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    session_starts_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    session_ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    standing_orders: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # Motions are numbered 1, 2, … in the order they are submitted.
    motion_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Motion(UUIDBase):
    """A motion: numbered paragraphs, proposer, category, scope, state and decision."""

    __tablename__ = "motion"
    __table_args__ = (
        UniqueConstraint("assembly_id", "number", name="motion_number_once"),
        known("category", ("policy", "constitutional", "organisational"), "motion_category"),
        known("state", MOTION_STATES, "motion_state"),
    )

    assembly_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assembly.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(80))
    state: Mapped[MotionState] = mapped_column(String(24), default="submitted")
    paragraphs: Mapped[list[str]] = mapped_column(JSONB)
    text_digest: Mapped[str] = mapped_column(String(71))
    proposer_member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    proposer_branch_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("branch.id", ondelete="RESTRICT")
    )
    proposer_assembly_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assembly.id", ondelete="RESTRICT")
    )
    composited_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("motion.id", ondelete="RESTRICT")
    )
    forwarded_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("motion.id", ondelete="RESTRICT")
    )
    forwarded_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("motion.id", ondelete="RESTRICT")
    )
    ruling_reason: Mapped[str | None] = mapped_column(Text)
    agenda_position: Mapped[int | None] = mapped_column(Integer)
    amendment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Voting: None before it starts, then "voting", then "decided".
    vote_state: Mapped[MotionVoteState | None] = mapped_column(String(16))
    # How many times the chair has moved the votes on (start, decide, open): each request names
    # the step it saw, so a repeated press finds the step moved and changes nothing.
    vote_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Votes that were inquorate (and so retaken): {"subject", "id", "contest"} each, in order.
    inquorate_votes: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    # A vote being taken by show of hands now ({"subject", "id", "opened_at"}), and every vote
    # decided by the tellers' figures (``assembly.motions.hand_counts``), in order.
    open_hand_vote: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    hand_counts: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    current_paragraphs: Mapped[list[str] | None] = mapped_column(JSONB)
    contest_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contest.id", ondelete="RESTRICT")
    )
    final_paragraphs: Mapped[list[str] | None] = mapped_column(JSONB)
    final_digest: Mapped[str | None] = mapped_column(String(71))
    submitted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class MotionSeconder(DefaultBase):
    """A member seconding a motion (once each), and the branch they seconded from."""

    __tablename__ = "motion_seconder"

    motion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("motion.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    branch_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("branch.id", ondelete="RESTRICT"))


class Amendment(UUIDBase):
    """An amendment to lines ``start_line..end_line`` of a motion as submitted."""

    __tablename__ = "amendment"
    __table_args__ = (
        UniqueConstraint("motion_id", "number", name="amendment_number_once"),
        known("action", ("delete", "replace", "insert_after"), "amendment_action"),
        known("state", AMENDMENT_STATES, "amendment_state"),
    )

    motion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("motion.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    paragraphs: Mapped[list[str]] = mapped_column(JSONB)
    text_digest: Mapped[str] = mapped_column(String(71))
    state: Mapped[AmendmentState] = mapped_column(String(16), default="submitted")
    proposer_member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    ruling_reason: Mapped[str | None] = mapped_column(Text)
    # Its lines in the text as amended so far, kept up to date while the motion is voted.
    current_start: Mapped[int | None] = mapped_column(Integer)
    current_end: Mapped[int | None] = mapped_column(Integer)
    contest_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("contest.id", ondelete="RESTRICT")
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AmendmentSeconder(DefaultBase):
    """A member seconding an amendment (once each)."""

    __tablename__ = "amendment_seconder"

    amendment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("amendment.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    branch_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("branch.id", ondelete="RESTRICT"))


class SpeakerRequest(UUIDBase):
    """A member asking to speak for or against a motion (an agenda item), and where that
    request stands: ``waiting``, ``speaking`` (called by the chair), ``spoken`` or
    ``withdrawn``. ``assembly.meetings.speakers`` runs the list."""

    __tablename__ = "speaker_request"
    __table_args__ = (
        known("side", ("for", "against"), "speaker_side"),
        known("state", SPEAKER_STATES, "speaker_state"),
    )

    motion_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("motion.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id", ondelete="RESTRICT"))
    side: Mapped[str] = mapped_column(String(8))
    state: Mapped[SpeakerState] = mapped_column(String(16), default="waiting")
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    called_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AssemblyLogEntry(DefaultBase):
    """The index of a log entry about an assembly (or one of its motions or amendments), so its
    record can list its entries without scanning the whole log. Insert-only."""

    __tablename__ = "assembly_log_entry"

    assembly_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assembly.id", ondelete="RESTRICT"), primary_key=True
    )
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
