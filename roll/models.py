"""The organisation: regions (nations and regions), branches, members and roll snapshots.

A member belongs to one branch, a branch to one region. The member table is the current roll;
it changes only through roll imports, and every import is recorded as a ``RollSnapshot`` with the
SHA-256 of the roll's canonical form (see ``roll.parse``), so a contest can name the roll it
froze and an auditor can check the count and digest it was given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from advanced_alchemy.base import BigIntBase
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.states import MEMBER_STATUSES, MemberStatus

__all__ = ["MEMBER_STATUSES", "Branch", "Member", "Region", "RollSnapshot"]


class Region(BigIntBase):
    """A nation or region, such as ``SCO`` (Scotland) or ``WAL`` (Wales)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    branches: Mapped[list[Branch]] = relationship(back_populates="region", lazy="raise")


class Branch(BigIntBase):
    """A local branch, in exactly one region."""

    __tablename__ = "branch"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)

    region: Mapped[Region] = relationship(back_populates="branches", lazy="raise")


class Member(BigIntBase):
    """A member on the roll. ``attributes`` are self-described and used only for quotas."""

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'lapsed', 'suspended')", name="member_status_known"),
        Index("ix_member_branch_status", "branch_id", "status"),
    )

    membership_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branch.id", ondelete="RESTRICT"))
    status: Mapped[MemberStatus] = mapped_column(String(16))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("roll_snapshot.id", ondelete="RESTRICT"))

    branch: Mapped[Branch] = relationship(lazy="raise")


# Sign-in finds a member by address without case (``roll.members.member_contact``).
Index("ix_member_email_lower", func.lower(Member.email))


class RollSnapshot(BigIntBase):
    """One import of the member roll: when, how many, and the digest of its canonical form."""

    __tablename__ = "roll_snapshot"

    digest: Mapped[str] = mapped_column(String(64))
    member_count: Mapped[int]
    active_count: Mapped[int]
    created_count: Mapped[int]
    updated_count: Mapped[int]
    source: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
