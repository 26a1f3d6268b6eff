"""Who may take part: active members in a scope, and scopes that lie inside others.

A motion's scope may be narrower than its assembly's (Scottish policy at conference is
``region:SCO``); members propose, second and amend only in the scope the decision belongs to.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.models import Branch, Member, Region
from roll.scope import Scope
from schemas.problems import DomainError

__all__ = ["NotEligible", "Participant", "participant", "scope_within"]


class NotEligible(DomainError):
    """The caller may not take this part; the message says whom it is for."""

    status = 403
    title = "Not open to you"


@dataclass(frozen=True, slots=True)
class Participant:
    """A member as the assembly rules see them: where they belong and whether active."""

    member_id: int
    branch_id: int
    branch_code: str
    region_code: str
    status: str


async def participant(session: AsyncSession, subject: str, scope: Scope, what: str) -> Participant:
    """The active member ``subject`` if they belong to ``scope``, else ``NotEligible`` naming
    the scope. Cost: one indexed join."""
    row = (
        await session.execute(
            select(Member.id, Member.branch_id, Member.status, Branch.code, Region.code)
            .join(Branch, Member.branch_id == Branch.id)
            .join(Region, Branch.region_id == Region.id)
            .where(Member.membership_number == subject)
        )
    ).first()
    if row is None:
        raise NotEligible(f"{what} is for members on the roll, and {subject} is not on it")
    member_id, branch_id, status, branch_code, region_code = row
    if status != "active":
        raise NotEligible(f"{what} is for active members; your membership is {status}")
    if not scope.contains(region_code, branch_code):
        raise NotEligible(
            f"{what} is for members in {scope}; you are in region:{region_code}, "
            f"branch:{branch_code}"
        )
    return Participant(member_id, branch_id, branch_code, region_code, status)


async def scope_within(session: AsyncSession, inner: Scope, outer: Scope) -> bool:
    """Whether every member of ``inner`` belongs to ``outer`` (looking up a branch's region
    when ``inner`` is a branch and ``outer`` a region). Cost: at most one indexed query."""
    if inner.level == "branch" and outer.level == "region":
        region = await session.scalar(
            select(Region.code)
            .join(Branch, Branch.region_id == Region.id)
            .where(Branch.code == inner.code)
        )
        return region == outer.code
    return inner.within(outer)
