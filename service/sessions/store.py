"""The ``web_session`` table and the only functions that read or write it.

One row per signed-in browser: the SHA-256 of its cookie's id, who it is (subject, roles),
how they signed in, and its times. Every function takes a connection or session and commits
nothing, except where it says so; callers commit. Costs: one indexed statement each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from advanced_alchemy.base import orm_registry
from sqlalchemy import Column, DateTime, Index, String, Table, delete, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.sessions.rules import SessionPolicy, digest, is_live, needs_touch, new_secret

__all__ = [
    "SignedInSession",
    "close_session",
    "close_sessions_of",
    "find_session",
    "open_session",
    "subjects_signed_in",
    "web_session",
]

Db = AsyncConnection | AsyncSession

web_session = Table(
    "web_session",
    orm_registry.metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("method", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_web_session_subject", "subject"),
    Index("ix_web_session_expires_at", "expires_at"),
    comment="signed-in browsers: the SHA-256 of each session cookie's id, never the id itself",
)


@dataclass(frozen=True, slots=True)
class SignedInSession:
    """A live session as the pages see it."""

    subject: str
    roles: frozenset[str]
    method: str
    created_at: dt.datetime
    expires_at: dt.datetime


async def open_session(
    db: Db,
    *,
    subject: str,
    roles: Sequence[str],
    method: str,
    now: dt.datetime,
    policy: SessionPolicy,
) -> str:
    """Start a session and return the id for the cookie (a new one every time, so no one can
    fix a victim's session id in advance). The caller commits."""
    secret = new_secret()
    await db.execute(
        web_session.insert().values(
            id_hash=digest(secret),
            subject=subject,
            roles=sorted(set(roles)),
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=policy.ends_at(now),
        )
    )
    return secret


async def find_session(
    db: Db, secret: str, *, now: dt.datetime, policy: SessionPolicy
) -> SignedInSession | None:
    """The live session with this id, touching its last-used time when due; None for an id
    that is unknown, signed out or timed out (a timed-out row is deleted). The caller commits
    (or uses an autocommitting connection)."""
    key = digest(secret)
    row = (await db.execute(select(web_session).where(web_session.c.id_hash == key))).first()
    if row is None:
        return None
    if not is_live(last_seen=row.last_seen_at, expires_at=row.expires_at, now=now, policy=policy):
        await db.execute(delete(web_session).where(web_session.c.id_hash == key))
        return None
    if needs_touch(last_seen=row.last_seen_at, now=now, policy=policy):
        await db.execute(
            update(web_session).where(web_session.c.id_hash == key).values(last_seen_at=now)
        )
    return SignedInSession(
        subject=row.subject,
        roles=frozenset(row.roles),
        method=row.method,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


async def close_session(db: Db, secret: str) -> bool:
    """End the session with this id (sign-out); whether there was one. The caller commits."""
    result = await db.execute(delete(web_session).where(web_session.c.id_hash == digest(secret)))
    return bool(getattr(result, "rowcount", 0))


async def close_sessions_of(db: Db, subject: str) -> int:
    """End every session of ``subject`` (sign out everywhere, a suspension, a revoked grant);
    how many ended. The caller commits."""
    result = await db.execute(delete(web_session).where(web_session.c.subject == subject))
    return int(getattr(result, "rowcount", 0))


async def subjects_signed_in(db: Db) -> list[str]:
    """Every subject with a session row (for ending those a roll import suspended)."""
    rows = await db.execute(select(web_session.c.subject).distinct())
    return [subject for (subject,) in rows]
