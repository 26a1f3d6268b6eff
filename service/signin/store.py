"""The tables of emailed sign-in and the only functions that touch them.

- ``sign_in_code``: one row per code mailed: its SHA-256, who it signs in (subject and roles),
  when it ends and when it was used. Several codes of one person may be live at once, so a
  new request never spoils a link already in someone's inbox.
- ``mail_outbox``: mail waiting to go, durable across restarts; the background runner
  (``service.signin.mailer``) sends it and then forgets its body, so the code in it does not
  outlive the sending.
- ``sign_in_grant``: officers not on the roll (returning officers, auditors, admins, chairs)
  named by email address, with the organisation-wide role the grant gives.

Every function takes a session or connection and commits nothing; callers commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from advanced_alchemy.base import orm_registry
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.signin.codes import code_digest

__all__ = [
    "Grant",
    "OutgoingMail",
    "RedeemedCode",
    "claim_due_mail",
    "enqueue_mail",
    "grants_for_email",
    "issue_code",
    "list_grants",
    "mail_failed",
    "mail_outbox",
    "mail_sent",
    "record_grant",
    "redeem_code",
    "remove_grant",
    "sign_in_code",
    "sign_in_grant",
]

Db = AsyncConnection | AsyncSession

sign_in_code = Table(
    "sign_in_code",
    orm_registry.metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ix_sign_in_code_expires_at", "expires_at"),
    comment="emailed sign-in codes, kept only as SHA-256; each good once, until expires_at",
)

mail_outbox = Table(
    "mail_outbox",
    orm_registry.metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("to_address", String(320), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(200), nullable=True),
    Index("ix_mail_outbox_due", "next_attempt_at", postgresql_where="sent_at IS NULL"),
    comment="mail waiting to be sent; the body is cleared once the mail has gone",
)

sign_in_grant = Table(
    "sign_in_grant",
    orm_registry.metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("granted_by", String(64), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("email", "subject", "role", name="sign_in_grant_once"),
    comment="officers who sign in by email: the address, who they are and the role it gives",
)
# Grants are looked up by address without case (``grants_for_email``).
Index("ix_sign_in_grant_email_lower", func.lower(sign_in_grant.c.email))


@dataclass(frozen=True, slots=True)
class RedeemedCode:
    """Who a code just used signs in."""

    subject: str
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One mail the runner has claimed to send."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Grant:
    """An officer's sign-in grant."""

    id: int
    email: str
    subject: str
    role: str


async def issue_code(
    db: Db,
    code: str,
    *,
    subject: str,
    roles: Sequence[str],
    now: dt.datetime,
    ttl: dt.timedelta,
) -> None:
    """Keep the digest of ``code``, good for ``ttl`` from ``now``; ended codes are swept."""
    await db.execute(delete(sign_in_code).where(sign_in_code.c.expires_at < now - ttl))
    await db.execute(
        sign_in_code.insert().values(
            code_hash=code_digest(code),
            subject=subject,
            roles=sorted(set(roles)),
            created_at=now,
            expires_at=now + ttl,
        )
    )


async def redeem_code(db: Db, code: str, *, now: dt.datetime) -> RedeemedCode | None:
    """Use ``code`` up: who it signs in, or None when it is unknown, used or expired. One
    ``UPDATE … RETURNING``, so of two browsers racing with one code only one wins."""
    row = (
        await db.execute(
            update(sign_in_code)
            .where(
                sign_in_code.c.code_hash == code_digest(code),
                sign_in_code.c.used_at.is_(None),
                sign_in_code.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(sign_in_code.c.subject, sign_in_code.c.roles)
        )
    ).first()
    return None if row is None else RedeemedCode(subject=row.subject, roles=frozenset(row.roles))


async def enqueue_mail(
    db: Db, *, to_address: str, subject: str, body: str, now: dt.datetime
) -> int:
    """Put a mail in the outbox, due at once; its id."""
    result = await db.execute(
        mail_outbox.insert()
        .values(
            to_address=to_address,
            subject=subject,
            body=body,
            created_at=now,
            next_attempt_at=now,
        )
        .returning(mail_outbox.c.id)
    )
    return int(result.scalar_one())


async def claim_due_mail(db: Db, *, now: dt.datetime, limit: int) -> list[OutgoingMail]:
    """Up to ``limit`` mails due ``now``, locked ``FOR UPDATE SKIP LOCKED`` so several service
    processes never send one mail twice. Hold the transaction while sending."""
    rows = await db.execute(
        select(mail_outbox)
        .where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.next_attempt_at <= now)
        .order_by(mail_outbox.c.next_attempt_at, mail_outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [
        OutgoingMail(
            id=r.id,
            to_address=r.to_address,
            subject=r.subject,
            body=r.body or "",
            attempts=r.attempts,
            created_at=r.created_at,
        )
        for r in rows
    ]


async def mail_sent(db: Db, ids: Sequence[int], *, now: dt.datetime) -> None:
    """Mark mails sent and forget their bodies."""
    if ids:
        await db.execute(
            update(mail_outbox)
            .where(mail_outbox.c.id.in_(list(ids)))
            .values(sent_at=now, body=None, last_error=None)
        )


async def mail_failed(db: Db, mail_id: int, *, retry_at: dt.datetime, error: str) -> None:
    """Count a failed attempt and set when to try again."""
    await db.execute(
        update(mail_outbox)
        .where(mail_outbox.c.id == mail_id)
        .values(
            attempts=mail_outbox.c.attempts + 1,
            next_attempt_at=retry_at,
            last_error=error[:200],
        )
    )


async def grants_for_email(db: Db, email: str) -> list[Grant]:
    """The sign-in grants naming ``email`` (compared without case)."""
    rows = await db.execute(
        select(sign_in_grant).where(func.lower(sign_in_grant.c.email) == email.lower())
    )
    return [Grant(id=r.id, email=r.email, subject=r.subject, role=r.role) for r in rows]


async def list_grants(db: Db) -> list[Grant]:
    """Every sign-in grant, by subject."""
    rows = await db.execute(
        select(sign_in_grant).order_by(sign_in_grant.c.subject, sign_in_grant.c.role)
    )
    return [Grant(id=r.id, email=r.email, subject=r.subject, role=r.role) for r in rows]


async def record_grant(db: Db, *, email: str, subject: str, role: str, granted_by: str) -> Grant:
    """Grant ``role`` to ``subject`` signing in as ``email`` (granting twice keeps one)."""
    existing = (
        await db.execute(
            select(sign_in_grant).where(
                and_(
                    func.lower(sign_in_grant.c.email) == email.lower(),
                    sign_in_grant.c.subject == subject,
                    sign_in_grant.c.role == role,
                )
            )
        )
    ).first()
    if existing is not None:
        return Grant(id=existing.id, email=existing.email, subject=subject, role=role)
    result = await db.execute(
        sign_in_grant.insert()
        .values(email=email.lower(), subject=subject, role=role, granted_by=granted_by)
        .returning(sign_in_grant.c.id)
    )
    return Grant(id=int(result.scalar_one()), email=email.lower(), subject=subject, role=role)


async def remove_grant(db: Db, grant_id: int) -> Grant | None:
    """Delete a grant; the grant it was, or None if there was none."""
    row = (
        await db.execute(
            delete(sign_in_grant)
            .where(sign_in_grant.c.id == grant_id)
            .returning(
                sign_in_grant.c.id,
                sign_in_grant.c.email,
                sign_in_grant.c.subject,
                sign_in_grant.c.role,
            )
        )
    ).first()
    return (
        None
        if row is None
        else Grant(id=row.id, email=row.email, subject=row.subject, role=row.role)
    )
