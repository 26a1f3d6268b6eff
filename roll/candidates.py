"""Members as candidates: who they are, where they belong, and the attributes that
representation rules read (the roll's self-described ones plus ``region`` and ``branch``).
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.models import Branch, Member, Region

__all__ = ["CandidateFacts", "candidate_facts"]


@dataclass(frozen=True, slots=True)
class CandidateFacts:
    """A member as a candidate: who, where, and their self-described attributes."""

    member_id: int
    membership_number: str
    name: str
    status: str
    branch_code: str
    region_code: str
    attributes: dict[str, str]

    def labelled(self) -> dict[str, str]:
        """Attributes for representation rules: the roll's plus ``region`` and ``branch``."""
        return {
            **{k: str(v) for k, v in self.attributes.items()},
            "region": self.region_code,
            "branch": self.branch_code,
        }


async def candidate_facts(
    session: AsyncSession, *, member_ids: list[int] | None = None, number: str | None = None
) -> dict[int, CandidateFacts]:
    """Candidates by member id, looked up by ids or one membership number. Cost: one join."""
    query = (
        select(Member, Branch.code, Region.code)
        .join(Branch, Member.branch_id == Branch.id)
        .join(Region, Branch.region_id == Region.id)
    )
    if member_ids is not None:
        query = query.where(Member.id.in_(member_ids))
    if number is not None:
        query = query.where(Member.membership_number == number)
    out = {}
    for member, branch_code, region_code in (await session.execute(query)).all():
        out[member.id] = CandidateFacts(
            member_id=member.id,
            membership_number=member.membership_number,
            name=member.name,
            status=member.status,
            branch_code=branch_code,
            region_code=region_code,
            attributes=dict(member.attributes or {}),
        )
    return out
