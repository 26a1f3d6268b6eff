"""Granting and revoking officers' sign-in by email: the rules the API and the pages share.

A grant names an email address, the officer's subject (``RO1``) and an organisation-wide role
other than ``member``. Revoking one ends every session of that officer at once.
"""

from __future__ import annotations

from schemas.problems import DomainError
from service.sessions import close_sessions_of
from service.settings import ROLES
from service.signin.codes import normalise_target
from service.signin.store import Db, Grant, record_grant, remove_grant

__all__ = ["OFFICER_ROLES", "grant_sign_in", "revoke_sign_in"]

OFFICER_ROLES = tuple(r for r in ROLES if r != "member")


async def grant_sign_in(db: Db, *, email: str, subject: str, role: str, granted_by: str) -> Grant:
    """Let ``subject`` sign in by a link mailed to ``email``, holding ``role`` (granting twice
    keeps one). Raises ``DomainError`` (422) for a bad address, role or subject. Caller
    commits."""
    target = normalise_target(email)
    if target is None or target[0] != "email":
        raise DomainError(f"{email!r} is not an email address")
    if role not in OFFICER_ROLES:
        raise DomainError(f"role must be one of {', '.join(OFFICER_ROLES)}, not {role!r}")
    subject = subject.strip()
    if not subject or len(subject) > 64:
        raise DomainError("subject must be 1 to 64 characters")
    return await record_grant(
        db, email=target[1], subject=subject, role=role, granted_by=granted_by
    )


async def revoke_sign_in(db: Db, grant_id: int) -> tuple[Grant, int] | None:
    """Remove the grant and end every session of the officer it named: the grant and how many
    sessions ended, or None if there is no such grant. Caller commits."""
    grant = await remove_grant(db, grant_id)
    if grant is None:
        return None
    return grant, await close_sessions_of(db, grant.subject)
