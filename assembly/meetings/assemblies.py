"""An assembly's life: created as a draft, moved on by a chair or its timetable, each step logged.

Timetabled steps are taken on time by the due work runner (``service.due_work``, which finds
them with ``assembly.due_work``) and before every action, which loads the assembly through
``touch_assembly``: each step that is due is taken, in order, logged as done by ``system`` with
the time it was due, under the assembly's row lock, so several app servers agree. A read loads
it with ``load_assembly`` and writes nothing. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.standing_orders import StandingOrders
from assembly.meetings.timetable import AssemblyStateError, Timetable, due_steps, next_state, when
from assembly.models import Assembly
from audit.canonical import canonical_json
from audit.events import digest_of
from roll.scope import Scope
from schemas.assemblies import AssemblyCreate, TimetableIn
from schemas.moments import now
from schemas.problems import DomainError
from schemas.states import AssemblyState

__all__ = [
    "AssemblyNotFound",
    "create_assembly",
    "load_assembly",
    "log_chair_granted",
    "move_assembly",
    "orders_of",
    "timetable_of",
    "touch_assembly",
]


class AssemblyNotFound(DomainError):
    status = 404
    title = "No such assembly"


def timetable_of(assembly: Assembly) -> Timetable:
    """The assembly's timetable as a value."""
    return Timetable(
        opens_at=assembly.opens_at,
        motions_deadline=assembly.motions_deadline,
        amendments_deadline=assembly.amendments_deadline,
        session_starts_at=assembly.session_starts_at,
        session_ends_at=assembly.session_ends_at,
    )


def orders_of(assembly: Assembly) -> StandingOrders:
    """The assembly's standing orders as a value."""
    return StandingOrders.from_dict(assembly.standing_orders)


def _timetable(given: TimetableIn) -> Timetable:
    return Timetable(
        opens_at=given.opens_at,
        motions_deadline=given.motions_deadline,
        amendments_deadline=given.amendments_deadline,
        session_starts_at=given.session_starts_at,
        session_ends_at=given.session_ends_at,
    ).check()


def _rules_digest(assembly: Assembly) -> str:
    document = {
        "standing_orders": assembly.standing_orders,
        "timetable": {
            "opens_at": when(assembly.opens_at),
            "motions_deadline": when(assembly.motions_deadline),
            "amendments_deadline": when(assembly.amendments_deadline),
            "session_starts_at": when(assembly.session_starts_at),
            "session_ends_at": when(assembly.session_ends_at),
        },
    }
    return digest_of(canonical_json(document))


async def create_assembly(
    session: AsyncSession, body: AssemblyCreate, *, created_by: str
) -> Assembly:
    """Check and store a draft assembly and log it with the digest of its rules and timetable.
    Caller commits. Cost: one insert and one log append."""
    scope = Scope.parse(body.scope)
    timetable = _timetable(body.timetable)
    orders = StandingOrders.from_request(body.standing_orders)
    assembly = Assembly(
        id=uuid.uuid4(),
        title=body.title,
        kind=body.kind,
        scope=str(scope),
        state="draft",
        opens_at=timetable.opens_at,
        motions_deadline=timetable.motions_deadline,
        amendments_deadline=timetable.amendments_deadline,
        session_starts_at=timetable.session_starts_at,
        session_ends_at=timetable.session_ends_at,
        standing_orders=orders.to_dict(),
        motion_count=0,
        created_by=created_by,
    )
    session.add(assembly)
    await session.flush()
    await log_event(
        session,
        assembly.id,
        "assembly.created",
        actor="admin",
        digests={"rules": _rules_digest(assembly)},
        facts={"kind": assembly.kind, "scope": assembly.scope},
    )
    return assembly


async def load_assembly(session: AsyncSession, assembly_id: uuid.UUID) -> Assembly:
    """The assembly as stored, for reading: no timetabled step is taken (the due work runner,
    ``service.due_work``, takes them on time; a read never writes). ``AssemblyNotFound`` if
    there is none."""
    return await _load(session, assembly_id, False)


async def _load(session: AsyncSession, assembly_id: uuid.UUID, lock: bool) -> Assembly:
    query = select(Assembly).where(Assembly.id == assembly_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    assembly = await session.scalar(query)
    if assembly is None:
        raise AssemblyNotFound(f"there is no assembly {assembly_id}")
    return assembly


async def _step(
    session: AsyncSession,
    assembly: Assembly,
    to: AssemblyState,
    *,
    actor: str,
    due: dt.datetime | None,
) -> None:
    was = assembly.state
    assembly.state = to
    await log_event(
        session,
        assembly.id,
        "assembly.state_changed",
        actor=actor,
        facts={"from": was, "to": to, "due": when(due) if due else None},
    )


async def touch_assembly(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    *,
    at: dt.datetime | None = None,
    lock: bool = False,
) -> Assembly:
    """The assembly, after taking every timetabled step due at ``at`` (each logged by
    ``system``); locked for update when ``lock`` or when a step was due. Caller commits.
    Cost: one primary-key read; when a step is due, a locking read and a log append per step.
    """
    moment = at or now()
    assembly = await _load(session, assembly_id, lock)
    if due_steps(assembly.state, timetable_of(assembly), moment):
        if not lock:
            assembly = await _load(session, assembly_id, True)
        for to, due in due_steps(assembly.state, timetable_of(assembly), moment):
            await _step(session, assembly, to, actor="system", due=due)
    return assembly


async def move_assembly(
    session: AsyncSession,
    assembly_id: uuid.UUID,
    to: str,
    *,
    at: dt.datetime | None = None,
) -> Assembly:
    """A chair moves the assembly to the next state (and only the next). Caller commits."""
    assembly = await touch_assembly(session, assembly_id, at=at, lock=True)
    expected = next_state(assembly.state)
    if expected is None or to != expected:
        then = f"; it can only move to {expected}" if expected else ""
        raise AssemblyStateError(
            f"the assembly is {assembly.state}, so it cannot move to {to}{then}"
        )
    await _step(session, assembly, expected, actor="chair", due=None)
    return assembly


async def log_chair_granted(session: AsyncSession, assembly_id: uuid.UUID) -> int:
    """Log that an administrator granted a chair on the assembly (never who: the grant itself
    is kept with the role grants). Caller commits."""
    return await log_event(session, assembly_id, "assembly.chair_granted", actor="admin")
