"""Looking members up: who a membership number is, where they belong, and who is in a scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.organisation import Branch, Member, Region

__all__ = ["MemberPlace", "member_place"]


@dataclass(frozen=True, slots=True)
class MemberPlace:
    """A member with the branch and region they belong to."""

    member_id: int
    membership_number: str
    name: str
    status: str
    branch_code: str
    branch_name: str
    region_code: str
    region_name: str


async def member_place(session: AsyncSession, membership_number: str) -> MemberPlace | None:
    """The member with this number and their branch and region, or None if not on the roll."""
    row = (
        await session.execute(
            select(Member, Branch, Region)
            .join(Branch, Member.branch_id == Branch.id)
            .join(Region, Branch.region_id == Region.id)
            .where(Member.membership_number == membership_number)
        )
    ).first()
    if row is None:
        return None
    member, branch, region = row
    return MemberPlace(
        member_id=member.id,
        membership_number=member.membership_number,
        name=member.name,
        status=member.status,
        branch_code=branch.code,
        branch_name=branch.name,
        region_code=region.code,
        region_name=region.name,
    )
