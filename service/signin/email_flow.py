"""Emailed sign-in, end to end apart from the page: who a request names, the code it gets,
the mail it queues, and using a code up.

Asking never says whether the address or number is on the roll: the caller shows the same
page either way. A member is found through the roll's own lookup (``assembly.members``, by
email or membership number, active members only); an officer not on the roll through a
``sign_in_grant`` naming the address. At most ``PLENARY_SIGN_IN_MAILS_PER_TARGET`` codes are
mailed to one person per link lifetime: more requests in a flood queue no more mail, and
every code already sent stays good (several may be live), so a flood delays mail but never
stops someone signing in with what they hold.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.members import member_contact
from service.signin.codes import new_code, normalise_code, normalise_target
from service.signin.settings import SignInSettings
from service.signin.store import (
    RedeemedCode,
    enqueue_mail,
    grants_for_email,
    issue_code,
    redeem_code,
    sign_in_code,
)

__all__ = ["Addressee", "find_addressee", "request_sign_in_mail", "use_code"]

_log = logging.getLogger("plenary.sign_in")

Compose = Callable[[str], tuple[str, str]]
"""``compose(code) → (subject, body)``: the mail in the requester's language."""


@dataclass(frozen=True, slots=True)
class Addressee:
    """Who a sign-in request names: their subject, roles and address."""

    subject: str
    roles: tuple[str, ...]
    email: str


async def find_addressee(db: AsyncSession, typed: str) -> Addressee | None:
    """The person ``typed`` (an email address or a membership number) names, or None."""
    target = normalise_target(typed)
    if target is None:
        return None
    kind, value = target
    member = (
        await member_contact(db, email=value)
        if kind == "email"
        else await member_contact(db, membership_number=value)
    )
    if member is not None and member.status != "active":
        member = None
    address = member.email if member is not None else (value if kind == "email" else None)
    if address is None:
        return None
    grants = await grants_for_email(db, address)
    if member is not None:
        roles = ["member", *(g.role for g in grants if g.subject == member.membership_number)]
        return Addressee(member.membership_number, tuple(dict.fromkeys(roles)), member.email)
    if kind == "email" and grants:
        subject = grants[0].subject
        roles = [g.role for g in grants if g.subject == subject]
        return Addressee(subject, tuple(dict.fromkeys(roles)), address)
    return None


async def _mailed_lately(db: AsyncSession, subject: str, since: dt.datetime) -> int:
    found = await db.scalar(
        select(func.count())
        .select_from(sign_in_code)
        .where(sign_in_code.c.subject == subject, sign_in_code.c.created_at > since)
    )
    return int(found or 0)


async def request_sign_in_mail(
    db: AsyncSession,
    typed: str,
    *,
    compose: Compose,
    now: dt.datetime,
    settings: SignInSettings,
) -> bool:
    """Queue a sign-in mail for whoever ``typed`` names; whether one was queued (never shown
    to the requester). The caller commits, then wakes the outbox."""
    who = await find_addressee(db, typed)
    if who is None:
        _log.info("sign-in mail not sent: no active member or grant matches")
        return False
    if await _mailed_lately(db, who.subject, now - settings.link_ttl) >= settings.mails_per_target:
        _log.info("sign-in mail not sent: this person has had enough mail for now")
        return False
    code = new_code()
    await issue_code(db, code, subject=who.subject, roles=who.roles, now=now, ttl=settings.link_ttl)
    subject, body = compose(code)
    await enqueue_mail(db, to_address=who.email, subject=subject, body=body, now=now)
    return True


async def use_code(db: AsyncSession, typed: str, *, now: dt.datetime) -> RedeemedCode | None:
    """Use up the code ``typed``: who it signs in, or None (unknown, used or expired). The
    caller commits."""
    code = normalise_code(typed)
    if code is None:
        return None
    return await redeem_code(db, code, now=now)
