"""``GET /api/v1/me``: who the token says you are, your branch, region and roles."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from sqlalchemy import select

from roll.grants import RoleGrant
from roll.members import member_place
from schemas.organisation import Me, RoleOn
from service.auth import identity_of
from service.deps import DbSession

__all__ = ["me"]


@get("/me", tags=["identity"], summary="Who you are")
async def me(request: Request[Any, Any, Any], db_session: DbSession) -> Me:
    """The token's subject and roles, the roles granted on single objects, and, when the
    subject is on the roll, the member's branch and region."""
    identity = identity_of(request)
    place = await member_place(db_session, identity.subject)
    grants = (
        await db_session.scalars(
            select(RoleGrant).where(RoleGrant.subject == identity.subject).order_by(RoleGrant.id)
        )
    ).all()
    me = Me(
        subject=identity.subject,
        roles=sorted(identity.roles),
        grants=[RoleOn(g.role, g.object_kind, g.object_id) for g in grants],
        on_roll=place is not None,
    )
    if place is not None:
        me.name = place.name
        me.status = place.status
        me.branch = place.branch_code
        me.branch_name = place.branch_name
        me.region = place.region_code
        me.region_name = place.region_name
    return me
