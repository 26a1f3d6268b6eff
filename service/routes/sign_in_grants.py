"""``/api/v1/sign-in-grants``: an administrator lets officers not on the roll sign in by email.

A grant names an email address, the officer's subject (``RO1``) and an organisation-wide role.
Revoking one ends every session of that officer at once (``service.sessions``).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, delete, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import JSONBody, PathParameter

from schemas.problems import DomainError
from schemas.sign_in import SignInGrant, SignInGrantRequest
from service.auth import identity_of, requires_role
from service.deps import DbSession
from service.signin.grant_rules import grant_sign_in, revoke_sign_in
from service.signin.store import Grant, list_grants

__all__ = ["add_sign_in_grant", "revoke_sign_in_grant", "sign_in_grants"]

_log = logging.getLogger("plenary.sign_in")


def _shape(grant: Grant) -> SignInGrant:
    return SignInGrant(id=grant.id, email=grant.email, subject=grant.subject, role=grant.role)


@get("/sign-in-grants", guards=[requires_role("admin")], tags=["sign-in"], summary="Sign-in grants")
async def sign_in_grants(db_session: DbSession) -> list[SignInGrant]:
    """Every officer who may sign in by email, with the role the grant gives."""
    return [_shape(g) for g in await list_grants(db_session)]


@post(
    "/sign-in-grants",
    guards=[requires_role("admin")],
    tags=["sign-in"],
    summary="Grant an officer sign-in by email",
    status_code=201,
)
async def add_sign_in_grant(
    request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[SignInGrantRequest]
) -> SignInGrant:
    """Let ``subject`` sign in with a link mailed to ``email``, holding ``role``."""
    try:
        grant = await grant_sign_in(
            db_session,
            email=data.email,
            subject=data.subject,
            role=data.role,
            granted_by=identity_of(request).subject,
        )
    except DomainError as exc:
        raise ClientException(exc.detail, status_code=422) from None
    await db_session.commit()
    return _shape(grant)


@delete(
    "/sign-in-grants/{grant_id:int}",
    guards=[requires_role("admin")],
    tags=["sign-in"],
    summary="Revoke a sign-in grant",
    status_code=204,
)
async def revoke_sign_in_grant(
    db_session: DbSession, grant_id: Annotated[int, PathParameter(description="the grant's id")]
) -> None:
    """Remove the grant and end every session of the officer it named."""
    revoked = await revoke_sign_in(db_session, grant_id)
    if revoked is None:
        raise NotFoundException(f"no sign-in grant {grant_id}")
    _grant, ended = revoked
    await db_session.commit()
    _log.info("sign-in grant revoked", extra={"sessions_ended": ended})
