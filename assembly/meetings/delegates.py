"""Delegates: branches register them within their entitlement, credentials approve them, and a
delegate may name a proxy; every change is logged (ids and counts, never who).

A delegate assembly's standing orders (``assembly.meetings.floor_rules``) say how many delegates
each branch sends. A branch registers its delegates through whoever holds a ``secretary`` grant
on that branch (or an administrator); the chair or an administrator then approves
(credentials) or rejects each. Only credentialed delegates vote (``assembly.meetings.floor``).
Where standing orders allow proxies, a credentialed delegate names another as their proxy (at
most ``proxies_per_holder`` each, no chains); naming and revoking take effect for each vote
when it opens, because the electorate (with its proxies) is frozen then.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.assemblies import orders_of, touch_assembly
from assembly.meetings.floor_models import Delegate
from assembly.meetings.floor_rules import DelegateRules
from assembly.meetings.guards import is_chair
from assembly.models import Assembly
from roll.eligibility import participant
from roll.members import branch_code_of, branch_memberships, member_id_of, numbers_of
from roll.scope import Scope
from roll.viewer import Viewer
from schemas.floor import DelegateOut, EntitlementOut
from schemas.moments import now
from schemas.problems import DomainError

__all__ = [
    "DelegateError",
    "credential_delegate",
    "delegate_rules",
    "delegates_of",
    "entitlements",
    "name_proxy",
    "register_delegate",
    "revoke_proxy",
    "withdraw_delegate",
]

SEATED = ("registered", "credentialed")


class DelegateError(DomainError):
    """A delegate change the standing orders or the delegate's state do not allow."""

    status = 409
    title = "Not possible for this delegate"


class NotAllowed(DomainError):
    status = 403
    title = "Forbidden"


def _actor(viewer: Viewer) -> str:
    """The role the log names: an administrator, or a member (a branch secretary)."""
    return "admin" if "admin" in viewer.roles else "member"


def delegate_rules(assembly: Assembly) -> DelegateRules:
    """The assembly's delegate rules; 409 if it is not a delegate assembly."""
    rules = orders_of(assembly).floor.delegates
    if rules is None:
        raise DelegateError(
            "this assembly is not a delegate assembly: its standing orders name no delegates"
        )
    return rules


async def _assembly(session: AsyncSession, assembly_id: uuid.UUID) -> Assembly:
    assembly = await touch_assembly(session, assembly_id, lock=True)
    delegate_rules(assembly)
    if assembly.state == "closed":
        raise DelegateError("the assembly is closed; its delegates can no longer change")
    if assembly.state == "draft":
        raise DelegateError("the assembly is a draft; delegates are registered once it opens")
    return assembly


async def _membership(session: AsyncSession, branch_code: str) -> int:
    counts = await branch_memberships(session, Scope.parse(f"branch:{branch_code}"))
    return sum(members for _, members in counts.values())


async def _seated(session: AsyncSession, assembly_id: uuid.UUID, branch_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                Delegate.assembly_id == assembly_id,
                Delegate.branch_id == branch_id,
                Delegate.state.in_(SEATED),
            )
        )
        or 0
    )


async def register_delegate(
    session: AsyncSession, assembly_id: uuid.UUID, viewer: Viewer, member: str
) -> Delegate:
    """The branch registers ``member`` (an active member of it, in the assembly's scope) as a
    delegate, within its entitlement. 403 unless ``viewer`` is an administrator or holds a
    ``secretary`` grant on the member's branch; 409 beyond the entitlement or if already
    registered. Caller commits. Cost: a few indexed reads, one insert, one log append."""
    assembly = await touch_assembly(session, assembly_id, lock=True)
    place = await participant(session, member, Scope.parse(assembly.scope), "being a delegate")
    if "admin" not in viewer.roles and not viewer.holds("secretary", "branch", place.branch_code):
        raise NotAllowed(
            f"delegates of branch {place.branch_code} are registered by its secretary "
            "(a secretary grant on the branch) or an administrator"
        )
    rules = delegate_rules(await _assembly(session, assembly_id))
    existing = await session.scalar(
        select(Delegate).where(
            Delegate.assembly_id == assembly_id, Delegate.member_id == place.member_id
        )
    )
    if existing is not None and existing.state in SEATED:
        raise DelegateError(f"{member} is already a delegate ({existing.state})")
    members = await _membership(session, place.branch_code)
    entitled = rules.entitled(members)
    seated = await _seated(session, assembly_id, place.branch_id)
    if seated >= entitled:
        raise DelegateError(
            f"branch {place.branch_code} may send {entitled} delegate"
            f"{'' if entitled == 1 else 's'} ({members} active members, one delegate per "
            f"{rules.members_per_delegate}) and has registered {seated}"
        )
    moment = now()
    if existing is None:
        existing = Delegate(
            id=uuid.uuid4(),
            assembly_id=assembly_id,
            member_id=place.member_id,
            branch_id=place.branch_id,
            registered_at=moment,
        )
        session.add(existing)
    existing.state, existing.decided_at, existing.proxy_member_id = "registered", None, None
    existing.registered_at = moment
    await session.flush()
    await log_event(
        session,
        assembly_id,
        "delegate.registered",
        actor=_actor(viewer),
        subjects={"delegate": str(existing.id)},
        facts={"branch": place.branch_code, "seated": seated + 1, "entitled": entitled},
    )
    return existing


async def _delegate(
    session: AsyncSession, assembly_id: uuid.UUID, delegate_id: uuid.UUID
) -> Delegate:
    found = await session.scalar(
        select(Delegate)
        .where(Delegate.id == delegate_id, Delegate.assembly_id == assembly_id)
        .with_for_update()
    )
    if found is None:
        raise DomainError(
            f"there is no delegate {delegate_id} in this assembly",
            status=404,
            title="No such delegate",
        )
    return found


async def credential_delegate(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    delegate_id: uuid.UUID,
    viewer: Viewer,
    *,
    approve: bool,
) -> Delegate:
    """Credentials: the chair or an administrator approves a registered delegate, or rejects a
    registered or credentialed one. 403 for anyone else; 409 from any other state. Caller
    commits. Cost: two indexed reads, one update, one log append."""
    if "admin" not in viewer.roles and not await is_chair(session, viewer.subject, assembly_id):
        raise NotAllowed(
            "credentials are decided by the chair of this assembly or an administrator"
        )
    await _assembly(session, assembly_id)
    delegate = await _delegate(session, assembly_id, delegate_id)
    allowed = ("registered",) if approve else SEATED
    if delegate.state not in allowed:
        verb = "approved" if approve else "rejected"
        raise DelegateError(f"this delegate is {delegate.state}, so cannot be {verb}")
    delegate.state = "credentialed" if approve else "rejected"
    delegate.decided_at = now()
    if not approve:
        delegate.proxy_member_id = None
    branch = await branch_code_of(session, delegate.branch_id)
    await log_event(
        session,
        assembly_id,
        f"delegate.{delegate.state}",
        actor="admin" if "admin" in viewer.roles else "chair",
        subjects={"delegate": str(delegate.id)},
        facts={"branch": branch},
    )
    return delegate


async def withdraw_delegate(
    session: AsyncSession, assembly_id: uuid.UUID, delegate_id: uuid.UUID, viewer: Viewer
) -> Delegate:
    """The branch (its secretary, or an administrator) withdraws a delegate, freeing the place.
    Caller commits."""
    await _assembly(session, assembly_id)
    delegate = await _delegate(session, assembly_id, delegate_id)
    branch = await branch_code_of(session, delegate.branch_id) or ""
    if "admin" not in viewer.roles and not viewer.holds("secretary", "branch", branch):
        raise NotAllowed(f"delegates of branch {branch} are withdrawn by its secretary")
    if delegate.state not in SEATED:
        raise DelegateError(f"this delegate is {delegate.state} already")
    delegate.state, delegate.decided_at, delegate.proxy_member_id = "withdrawn", now(), None
    await log_event(
        session,
        assembly_id,
        "delegate.withdrawn",
        actor=_actor(viewer),
        subjects={"delegate": str(delegate.id)},
        facts={"branch": branch},
    )
    return delegate


async def _credentialed(session: AsyncSession, assembly_id: uuid.UUID, member: str) -> Delegate:
    member_id = await member_id_of(session, member)
    found = await session.scalar(
        select(Delegate)
        .where(Delegate.assembly_id == assembly_id, Delegate.member_id == member_id)
        .with_for_update()
    )
    if found is None or found.state != "credentialed":
        shown = "not a delegate" if found is None else found.state
        raise DelegateError(f"{member} is {shown} here; proxies are between credentialed delegates")
    return found


async def name_proxy(
    session: AsyncSession, assembly_id: uuid.UUID, holder: str, proxy: str
) -> Delegate:
    """Credentialed delegate ``holder`` names credentialed delegate ``proxy`` to cast their
    vote, where standing orders allow proxies, up to ``proxies_per_holder`` per proxy; a
    delegate who has named a proxy cannot hold one, nor name themselves. Takes effect in votes
    that open from now on. Caller commits. Cost: a few indexed reads, one log append."""
    assembly = await _assembly(session, assembly_id)
    limit = delegate_rules(assembly).proxies_per_holder
    if limit == 0:
        raise DelegateError("the standing orders of this assembly allow no proxies")
    if holder == proxy:
        raise DelegateError("a delegate cannot be their own proxy")
    mine = await _credentialed(session, assembly_id, holder)
    theirs = await _credentialed(session, assembly_id, proxy)
    if theirs.proxy_member_id is not None:
        raise DelegateError(f"{proxy} has named a proxy of their own, so cannot hold one")
    held = int(
        await session.scalar(
            select(func.count()).where(
                Delegate.assembly_id == assembly_id,
                Delegate.proxy_member_id == theirs.member_id,
                Delegate.state == "credentialed",
                Delegate.id != mine.id,
            )
        )
        or 0
    )
    if held >= limit:
        raise DelegateError(
            f"{proxy} already holds {held} prox{'y' if held == 1 else 'ies'}, the most the "
            "standing orders allow"
        )
    holding = await session.scalar(
        select(func.count()).where(
            Delegate.assembly_id == assembly_id, Delegate.proxy_member_id == mine.member_id
        )
    )
    if holding:
        raise DelegateError(f"{holder} holds another delegate's proxy, so cannot name one")
    mine.proxy_member_id = theirs.member_id
    await log_event(
        session,
        assembly_id,
        "delegate.proxy_named",
        actor="member",
        subjects={"delegate": str(mine.id), "proxy": str(theirs.id)},
        facts={"held": held + 1},
    )
    return mine


async def revoke_proxy(session: AsyncSession, assembly_id: uuid.UUID, holder: str) -> Delegate:
    """The delegate revokes their proxy; votes that open from now on are theirs again. Caller
    commits."""
    await _assembly(session, assembly_id)
    mine = await _credentialed(session, assembly_id, holder)
    if mine.proxy_member_id is None:
        raise DelegateError(f"{holder} has named no proxy")
    mine.proxy_member_id = None
    await log_event(
        session,
        assembly_id,
        "delegate.proxy_revoked",
        actor="member",
        subjects={"delegate": str(mine.id)},
    )
    return mine


async def delegates_of(session: AsyncSession, assembly_id: uuid.UUID) -> list[DelegateOut]:
    """The assembly's delegates in registration order, with their branch and proxy."""
    rows = list(
        (
            await session.scalars(
                select(Delegate)
                .where(Delegate.assembly_id == assembly_id)
                .order_by(Delegate.registered_at, Delegate.id)
            )
        ).all()
    )
    numbers = await numbers_of(
        session,
        [d.member_id for d in rows] + [d.proxy_member_id for d in rows if d.proxy_member_id],
    )
    branches = {b: await branch_code_of(session, b) for b in {d.branch_id for d in rows}}
    return [
        DelegateOut(
            id=str(d.id),
            member=numbers[d.member_id],
            branch=branches[d.branch_id] or "",
            state=d.state,
            proxy=numbers.get(d.proxy_member_id) if d.proxy_member_id else None,
        )
        for d in rows
    ]


async def entitlements(session: AsyncSession, assembly: Assembly) -> list[EntitlementOut]:
    """Each branch in scope: active members, delegates entitled, registered and credentialed."""
    rules = delegate_rules(assembly)
    counts: dict[tuple[int, str], int] = {}
    rows = await session.execute(
        select(Delegate.branch_id, Delegate.state, func.count())
        .where(Delegate.assembly_id == assembly.id)
        .group_by(Delegate.branch_id, Delegate.state)
    )
    for branch_id, state, count in rows:
        counts[(int(branch_id), str(state))] = int(count)
    out = []
    memberships = await branch_memberships(session, Scope.parse(assembly.scope))
    for branch_id, (code, members) in sorted(memberships.items(), key=lambda kv: kv[1][0]):
        credentialed = counts.get((branch_id, "credentialed"), 0)
        out.append(
            EntitlementOut(
                branch=code,
                members=members,
                entitled=rules.entitled(members),
                registered=counts.get((branch_id, "registered"), 0) + credentialed,
                credentialed=credentialed,
            )
        )
    return out
