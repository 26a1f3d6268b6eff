"""The electorate of a vote on the floor: credentialed delegates with their cards and proxies,
or the members present, as the assembly's standing orders say.

``floor_electorate`` is what a motion vote freezes when it opens (``voting.lifecycle``
``open_contest`` keeps only those who are active members in the vote's scope). For an ordinary
assembly whose votes are of everyone entitled it is None: every active member in scope.

Card votes (``card_vote``): ``membership`` shares the branch's active membership among its
credentialed delegates in whole votes (the earliest registered take the remainder, one each),
so the branch's cards add up to its membership exactly; ``block`` puts the whole membership on
the card of the branch's earliest registered credentialed delegate (under ``vote_by: present``,
the earliest who is present or whose proxy is). A delegate whose share would be 0 (a branch
with fewer members than delegates) carries no card. Under ``vote_by: present`` a delegate
votes if they, or the proxy they named, are in the frozen set present.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import orders_of
from assembly.meetings.attendance import present_members
from assembly.meetings.floor_models import Delegate
from assembly.models import Assembly
from roll.members import branch_memberships
from roll.scope import Scope
from voting.lifecycle import Elector

__all__ = ["floor_electorate", "shares"]


def shares(members: int, delegates: int) -> list[int]:
    """``members`` votes shared among ``delegates`` in whole votes, earliest first: they add
    up to ``members`` exactly and differ by at most one. Cost: O(delegates)."""
    if delegates <= 0:
        return []
    base, extra = divmod(members, delegates)
    return [base + (1 if i < extra else 0) for i in range(delegates)]


async def floor_electorate(session: AsyncSession, assembly: Assembly) -> list[Elector] | None:
    """Who votes in a vote of ``assembly`` opening now, with weights and proxies; None when it
    is every active member in the vote's scope. 409 (``AttendanceError``) when votes are of
    those present and the chair has not frozen the set present. Cost: one read of the
    delegates, one grouped count of the branches' members, one read of those present."""
    floor = orders_of(assembly).floor
    present = await present_members(session, assembly.id) if floor.vote_by == "present" else None
    rules = floor.delegates
    if rules is None:
        return None if present is None else [Elector(m) for m in sorted(present)]
    delegates = (
        await session.scalars(
            select(Delegate)
            .where(Delegate.assembly_id == assembly.id, Delegate.state == "credentialed")
            .order_by(Delegate.registered_at, Delegate.id)
        )
    ).all()
    seated = {d.member_id for d in delegates}
    by_branch: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for d in delegates:
        proxy = d.proxy_member_id if d.proxy_member_id in seated else None
        if present is not None and d.member_id not in present and proxy not in present:
            continue
        by_branch[d.branch_id].append((d.member_id, proxy))
    memberships = await branch_memberships(session, Scope.parse(assembly.scope))
    electors = []
    for branch_id, seats in by_branch.items():
        members = memberships.get(branch_id, ("", 0))[1]
        if rules.card_vote == "none":
            weights = [1] * len(seats)
        elif rules.card_vote == "block":
            weights = [members] + [0] * (len(seats) - 1)
        else:
            weights = shares(members, len(seats))
        for (member_id, proxy), weight in zip(seats, weights, strict=True):
            if weight >= 1:
                electors.append(Elector(member_id, weight, proxy))
    return electors
