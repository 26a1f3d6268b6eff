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
from roll.scope import Scope, ScopeError
from schemas.problems import DomainError

__all__ = ["NotEligible", "Participant", "known_scope", "participant", "scope_within"]


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


async def known_scope(session: AsyncSession, text: str) -> Scope:
    """``text`` read as a scope that exists on the member roll: ``national``, or a region or
    branch the roll has; ``ScopeError`` (422) naming the ones it has otherwise, so a contest,
    election or office is never set up for an electorate that cannot exist (a typing slip
    like ``region:SCT`` would freeze an empty electorate). Cost: at most two indexed reads."""
    scope = Scope.parse(text)
    if scope.level == "national":
        return scope
    table = Region if scope.level == "region" else Branch
    found = await session.scalar(select(table.id).where(table.code == scope.code))
    if found is not None:
        return scope
    codes = sorted((await session.scalars(select(table.code))).all())
    listed = ", ".join(f"{scope.level}:{c}" for c in codes[:20]) or "none yet: import a roll"
    more = f" and {len(codes) - 20} more" if len(codes) > 20 else ""
    raise ScopeError(
        f"scope {text!r}: there is no {scope.level} {scope.code!r} on the member roll "
        f"(it has {listed}{more})"
    )
