"""Who is on the floor of an assembly, as tables: its delegates and who has checked in.

A delegate is a member their branch registered for one assembly; credentials (the chair or an
administrator) approve or reject them. A delegate may name another delegate as their proxy
(``proxy_member_id``), frozen into each vote's electorate when it opens. Attendance is who has
checked in (with the code shown in the hall, or by a steward); ``attendance_roll`` keeps the
hash of the hall's code and, once the chair freezes it, when and how many were present. Member
ids are stored here; the log only ever carries counts and ids of assemblies.
"""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.base import DefaultBase, UUIDBase
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from schemas.states import DELEGATE_STATES, DelegateState

__all__ = ["DELEGATE_STATES", "Attendance", "AttendanceRoll", "Delegate"]


class Delegate(UUIDBase):
    """A member registered by their branch as a delegate to one assembly."""

    __tablename__ = "delegate"
    __table_args__ = (
        UniqueConstraint("assembly_id", "member_id", name="delegate_once"),
        CheckConstraint(
            "state IN ('registered', 'credentialed', 'rejected', 'withdrawn')",
            name="delegate_state",
        ),
    )

    assembly_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assembly.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member.id", ondelete="RESTRICT"))
    branch_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("branch.id", ondelete="RESTRICT"))
    state: Mapped[DelegateState] = mapped_column(String(16), default="registered")
    proxy_member_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT")
    )
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Attendance(DefaultBase):
    """A member (or delegate) checked in to an assembly, once."""

    __tablename__ = "attendance"
    __table_args__ = (CheckConstraint("how IN ('code', 'steward')", name="attendance_how"),)

    assembly_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assembly.id", ondelete="RESTRICT"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member.id", ondelete="RESTRICT"), primary_key=True
    )
    how: Mapped[str] = mapped_column(String(16))
    checked_in_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AttendanceRoll(DefaultBase):
    """The hall's check-in code (its SHA-256 only) and, once frozen, the set present's size."""

    __tablename__ = "attendance_roll"

    assembly_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assembly.id", ondelete="RESTRICT"), primary_key=True
    )
    code_hash: Mapped[str | None] = mapped_column(String(64))
    frozen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    present: Mapped[int | None] = mapped_column(Integer)
