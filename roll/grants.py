"""Roles that hold for one assembly or contest only, stored in the database.

A token's ``roles`` claim gives organisation-wide roles (an admin, the returning officer for
the whole party). A ``RoleGrant`` gives a role on one object: chair of assembly 7, returning
officer for contest 12. Guards consult both.
"""

from __future__ import annotations

import datetime as dt

from advanced_alchemy.base import BigIntBase
from sqlalchemy import DateTime, String, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["RoleGrant", "grant_role", "grants_of", "has_grant"]


class RoleGrant(BigIntBase):
    """``subject`` holds ``role`` on the object ``object_kind``/``object_id``."""

    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("subject", "role", "object_kind", "object_id", name="role_grant_once"),
    )

    subject: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


async def has_grant(
    session: AsyncSession, subject: str, role: str, object_kind: str, object_id: str
) -> bool:
    """Whether ``subject`` holds ``role`` on that one object. Cost: one indexed lookup."""
    found = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.subject == subject,
            RoleGrant.role == role,
            RoleGrant.object_kind == object_kind,
            RoleGrant.object_id == object_id,
        )
    )
    return found is not None


async def grant_role(
    session: AsyncSession,
    *,
    subject: str,
    role: str,
    object_kind: str,
    object_id: str,
    granted_by: str,
) -> RoleGrant:
    """Record a grant (idempotent: granting twice keeps the first). Caller commits."""
    existing = await session.scalar(
        select(RoleGrant).where(
            RoleGrant.subject == subject,
            RoleGrant.role == role,
            RoleGrant.object_kind == object_kind,
            RoleGrant.object_id == object_id,
        )
    )
    if existing is not None:
        return existing
    grant = RoleGrant(
        subject=subject,
        role=role,
        object_kind=object_kind,
        object_id=object_id,
        granted_by=granted_by,
    )
    session.add(grant)
    await session.flush()
    return grant


async def grants_of(session: AsyncSession, subject: str) -> list[RoleGrant]:
    """Every role ``subject`` holds on one object (chair of an assembly, …), oldest first.
    Cost: one indexed lookup."""
    found = await session.scalars(
        select(RoleGrant).where(RoleGrant.subject == subject).order_by(RoleGrant.id)
    )
    return list(found)
