"""Who is looking: the one value every domain function takes for "this caller".

``viewer_for`` turns a verified token's subject and roles into a ``Viewer``: whether they are an
officer, and, for a member on the roll, their member id, branch, region, status and the roles
they hold on single objects (``RoleGrant``). See docs/ARCHITECTURE.md, "Who is asking".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.grants import RoleGrant
from roll.models import Branch, Member, Region
from roll.scope import Scope

__all__ = ["OFFICERS", "Grant", "Scoped", "Viewer", "viewer_for"]

OFFICERS = frozenset({"returning_officer", "admin", "auditor"})

# (role, object kind, object id), as a ``RoleGrant`` records it.
Grant = tuple[str, str, str]


class Scoped(Protocol):
    """Anything with a scope and a state, such as a contest."""

    @property
    def state(self) -> str: ...

    @property
    def scope(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: officer or member, and where the member belongs."""

    subject: str
    officer: bool
    returning_officer: bool
    member_id: int | None = None
    region: str | None = None
    branch: str | None = None
    status: str | None = None
    roles: frozenset[str] = frozenset()
    grants: frozenset[Grant] = field(default_factory=frozenset)

    def may_see(self, contest: Scoped) -> bool:
        """Officers see everything; members see what is not a draft and whose scope holds them."""
        if self.officer:
            return True
        if contest.state == "draft" or self.region is None or self.branch is None:
            return False
        return Scope.parse(contest.scope).contains(self.region, self.branch)

    def holds(self, role: str, object_kind: str, object_id: str) -> bool:
        """Whether the viewer holds ``role`` on that one object."""
        return (role, object_kind, object_id) in self.grants


async def viewer_for(session: AsyncSession, subject: str, roles: frozenset[str]) -> Viewer:
    """The viewer for a token's subject and roles (members looked up on the roll).

    Cost: one indexed join and one indexed lookup of the subject's grants.
    """
    row = (
        await session.execute(
            select(Member.id, Member.status, Region.code, Branch.code)
            .join(Branch, Branch.id == Member.branch_id)
            .join(Region, Region.id == Branch.region_id)
            .where(Member.membership_number == subject)
        )
    ).first()
    grants = (
        await session.execute(
            select(RoleGrant.role, RoleGrant.object_kind, RoleGrant.object_id).where(
                RoleGrant.subject == subject
            )
        )
    ).all()
    return Viewer(
        subject=subject,
        officer=bool(roles & OFFICERS),
        returning_officer=bool(roles & {"returning_officer", "admin"}),
        member_id=row[0] if row else None,
        region=row[2] if row else None,
        branch=row[3] if row else None,
        status=row[1] if row else None,
        roles=roles,
        grants=frozenset((g[0], g[1], g[2]) for g in grants),
    )
