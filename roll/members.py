"""Looking members up: who a membership number is, where they belong, and who is in a scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roll.models import Branch, Member, Region
from roll.scope import Scope

__all__ = [
    "MEMBER_ID_OF_NUMBER",
    "MemberContact",
    "MemberPlace",
    "active_in",
    "attributes_of",
    "branch_code_of",
    "branch_memberships",
    "electorate_of",
    "find_members",
    "member_contact",
    "member_id_of",
    "member_place",
    "member_statuses",
    "number_of",
    "numbers_of",
    "place_of",
]


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
    email: str = ""


async def member_place(session: AsyncSession, membership_number: str) -> MemberPlace | None:
    """The member with this number and their branch and region, or None if not on the roll."""
    return await _place(session, Member.membership_number == membership_number)


async def place_of(session: AsyncSession, member_id: int) -> MemberPlace | None:
    """The member with this id and their branch and region, or None. Cost: one indexed join."""
    return await _place(session, Member.id == member_id)


async def _place(session: AsyncSession, which: ColumnElement[bool]) -> MemberPlace | None:
    row = (
        await session.execute(
            select(Member, Branch, Region)
            .join(Branch, Member.branch_id == Branch.id)
            .join(Region, Branch.region_id == Region.id)
            .where(which)
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
        email=member.email,
    )


# A SQL expression for the member id of the membership number bound as ``:number``, for a
# package that must claim a row by membership number inside one statement of its own (casting).
MEMBER_ID_OF_NUMBER = "(SELECT id FROM member WHERE membership_number = :number)"


def active_in(scope: Scope) -> Select[int]:
    """A query for the ids of the active members in ``scope``: the electorate of a decision.

    Other packages embed it (``INSERT … SELECT``) rather than write SQL against the roll.
    """
    query = (
        select(Member.id)
        .join(Branch, Member.branch_id == Branch.id)
        .join(Region, Branch.region_id == Region.id)
        .where(Member.status == "active")
    )
    if scope.level == "region":
        query = query.where(Region.code == scope.code)
    elif scope.level == "branch":
        query = query.where(Branch.code == scope.code)
    return query


async def electorate_of(session: AsyncSession, scope: Scope) -> int:
    """Active members in ``scope`` on the current roll. Cost: one indexed count."""
    counted = select(func.count()).select_from(active_in(scope).subquery())
    return int(await session.scalar(counted) or 0)


async def branch_memberships(session: AsyncSession, scope: Scope) -> dict[int, tuple[str, int]]:
    """``branch id → (branch code, active members)`` for every branch in ``scope`` with an
    active member: what a delegate assembly's entitlements and card votes are reckoned on.
    Cost: one grouped count over the members in scope."""
    members = active_in(scope).add_columns(Member.branch_id, Branch.code).subquery()
    rows = await session.execute(
        select(members.c.branch_id, members.c.code, func.count()).group_by(
            members.c.branch_id, members.c.code
        )
    )
    return {int(branch): (str(code), int(count)) for branch, code, count in rows}


async def numbers_of(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, str]:
    """The membership number of each of ``member_ids``. Cost: one indexed lookup."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Member.id, Member.membership_number).where(Member.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


async def member_id_of(session: AsyncSession, membership_number: str) -> int | None:
    """The id of the member with this number, or None. Cost: one indexed lookup."""
    return await session.scalar(
        select(Member.id).where(Member.membership_number == membership_number)
    )


async def number_of(session: AsyncSession, member_id: int) -> str | None:
    """The membership number of this member, or None. Cost: one primary-key lookup."""
    return await session.scalar(select(Member.membership_number).where(Member.id == member_id))


async def attributes_of(session: AsyncSession, member_id: int) -> dict[str, object]:
    """The member's self-described attributes (empty if none). Cost: one primary-key lookup."""
    found = await session.scalar(select(Member.attributes).where(Member.id == member_id))
    return dict(found or {})


async def branch_code_of(session: AsyncSession, branch_id: int) -> str | None:
    """The code of this branch, or None. Cost: one primary-key lookup."""
    return await session.scalar(select(Branch.code).where(Branch.id == branch_id))


async def member_statuses(session: AsyncSession, numbers: Iterable[str]) -> dict[str, str]:
    """``membership_number → status`` for those of ``numbers`` on the roll (others left out).
    Cost: one indexed query."""
    wanted = list(dict.fromkeys(numbers))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Member.membership_number, Member.status).where(Member.membership_number.in_(wanted))
    )
    return {number: status for number, status in rows}


@dataclass(frozen=True, slots=True)
class MemberContact:
    """Where to reach a member on the roll, for signing in."""

    membership_number: str
    email: str
    status: str


async def member_contact(
    session: AsyncSession, *, email: str | None = None, membership_number: str | None = None
) -> MemberContact | None:
    """The member with this email address (compared without case) or membership number, or
    None when the roll has no one (or, for an address two members share, no one alone).
    Cost: one indexed query."""
    query = select(Member.membership_number, Member.email, Member.status)
    if email is not None:
        query = query.where(func.lower(Member.email) == email.lower())
    elif membership_number is not None:
        query = query.where(Member.membership_number == membership_number)
    else:
        return None
    rows = (await session.execute(query.limit(2))).all()
    if len(rows) != 1:
        return None
    number, address, status = rows[0]
    return MemberContact(membership_number=number, email=address, status=status)


async def find_members(session: AsyncSession, typed: str, *, limit: int = 50) -> list[MemberPlace]:
    """Members whose membership number is ``typed`` exactly, whose email is ``typed`` (without
    case), or whose name contains it (without case), with their branch and region; at most
    ``limit``, by membership number. Empty for empty ``typed``. Cost: one join over the roll
    (a name search scans it)."""
    wanted = typed.strip()
    if not wanted:
        return []
    pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await session.execute(
        select(Member, Branch, Region)
        .join(Branch, Member.branch_id == Branch.id)
        .join(Region, Branch.region_id == Region.id)
        .where(
            (Member.membership_number == wanted)
            | (func.lower(Member.email) == wanted.lower())
            | Member.name.ilike(pattern, escape="\\")
        )
        .order_by(Member.membership_number)
        .limit(limit)
    )
    return [
        MemberPlace(
            member_id=member.id,
            membership_number=member.membership_number,
            name=member.name,
            status=member.status,
            branch_code=branch.code,
            branch_name=branch.name,
            region_code=region.code,
            region_name=region.name,
            email=member.email,
        )
        for member, branch, region in rows
    ]
