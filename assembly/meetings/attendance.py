"""Attendance: who is present in the hall, checked in with the hall's code or by a steward, and
the set present the chair freezes so that a vote (and its quorum) can be of those present.

The chair sets a fresh code to show in the hall (only its SHA-256 is kept); a member in scope
(in a delegate assembly, a credentialed delegate) checks in with it, once; a steward (a
``steward`` grant on the assembly) or the chair checks someone in by number. The chair freezes
the set present (logged with its size) and may reopen it, say after a break; while it is frozen
nobody checks in. Check-ins themselves are not logged one by one: the freeze records how many.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.assemblies import orders_of, touch_assembly
from assembly.meetings.floor_models import Attendance, AttendanceRoll, Delegate
from assembly.meetings.guards import is_chair, require_chair
from assembly.models import Assembly
from roll.eligibility import participant
from roll.grants import has_grant
from roll.scope import Scope
from schemas.floor import AttendanceOut
from schemas.moments import now
from schemas.problems import DomainError

__all__ = [
    "AttendanceError",
    "attendance_of",
    "check_in",
    "freeze_present",
    "present_members",
    "reopen_attendance",
    "set_hall_code",
    "steward_check_in",
]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread from the back


class AttendanceError(DomainError):
    """A check-in or freeze that cannot happen now; the message says why."""

    status = 409
    title = "Not possible for attendance now"


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def _roll(session: AsyncSession, assembly_id: uuid.UUID) -> AttendanceRoll:
    await session.execute(
        insert(AttendanceRoll).values(assembly_id=assembly_id).on_conflict_do_nothing()
    )
    found = await session.scalar(
        select(AttendanceRoll)
        .where(AttendanceRoll.assembly_id == assembly_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise AttendanceError("the attendance roll could not be read")
    return found


async def _open_assembly(session: AsyncSession, assembly_id: uuid.UUID) -> Assembly:
    assembly = await touch_assembly(session, assembly_id)
    if assembly.state == "closed":
        raise AttendanceError("the assembly is closed")
    return assembly


async def set_hall_code(session: AsyncSession, assembly_id: uuid.UUID, chair: str) -> str:
    """The chair sets a fresh 8-character code to show in the hall and gets it back (only its
    hash is kept; an earlier code stops working). Caller commits."""
    await require_chair(session, chair, assembly_id)
    await _open_assembly(session, assembly_id)
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    roll = await _roll(session, assembly_id)
    roll.code_hash = _hash(code)
    await log_event(session, assembly_id, "attendance.code_set", actor="chair")
    return code


async def _record(session: AsyncSession, assembly: Assembly, member: str, how: str) -> int:
    """Check ``member`` in (idempotent); the member id. 403 out of scope or, in a delegate
    assembly, not a credentialed delegate; 409 while frozen."""
    roll = await _roll(session, assembly.id)
    if roll.frozen_at is not None:
        raise AttendanceError(
            "the chair has frozen the set present; ask the chair to reopen check-in"
        )
    place = await participant(session, member, Scope.parse(assembly.scope), "checking in")
    if orders_of(assembly).floor.delegates is not None:
        state = await session.scalar(
            select(Delegate.state).where(
                Delegate.assembly_id == assembly.id, Delegate.member_id == place.member_id
            )
        )
        if state != "credentialed":
            raise DomainError(
                "only credentialed delegates check in to this delegate assembly",
                status=403,
                title="Not open to you",
            )
    await session.execute(
        insert(Attendance)
        .values(assembly_id=assembly.id, member_id=place.member_id, how=how, checked_in_at=now())
        .on_conflict_do_nothing()
    )
    return place.member_id


async def check_in(
    session: AsyncSession, assembly_id: uuid.UUID, member: str, code: str
) -> AttendanceOut:
    """``member`` checks in with the code shown in the hall. 422 for a wrong code, 409 before
    the chair has set one (nothing is recorded). Caller commits."""
    assembly = await _open_assembly(session, assembly_id)
    roll = await _roll(session, assembly_id)
    if roll.code_hash is None:
        raise AttendanceError("check-in has not begun: the chair shows a code in the hall first")
    if not hmac.compare_digest(roll.code_hash, _hash(code)):
        raise DomainError(
            "that is not the code shown in the hall; check it and try again, or ask a steward",
            status=422,
            title="Wrong hall code",
        )
    member_id = await _record(session, assembly, member, "code")
    return await attendance_of(session, assembly_id, member_id=member_id)


async def steward_check_in(
    session: AsyncSession, assembly_id: uuid.UUID, steward: str, member: str
) -> AttendanceOut:
    """A steward (or the chair) checks ``member`` in. 403 for anyone else. Caller commits."""
    if not (
        await has_grant(session, steward, "steward", "assembly", str(assembly_id))
        or await is_chair(session, steward, assembly_id)
    ):
        raise DomainError(
            "checking members in needs a steward of this assembly (a steward grant) or its chair",
            status=403,
            title="Forbidden",
        )
    assembly = await _open_assembly(session, assembly_id)
    member_id = await _record(session, assembly, member, "steward")
    return await attendance_of(session, assembly_id, member_id=member_id)


async def _present_count(session: AsyncSession, assembly_id: uuid.UUID) -> int:
    return int(
        await session.scalar(select(func.count()).where(Attendance.assembly_id == assembly_id)) or 0
    )


async def freeze_present(
    session: AsyncSession, assembly_id: uuid.UUID, chair: str
) -> AttendanceOut:
    """The chair freezes the set present: votes that open from now on, where standing orders
    say votes are of those present, have them as their electorate. Logged with its size.
    Caller commits."""
    await require_chair(session, chair, assembly_id)
    await _open_assembly(session, assembly_id)
    roll = await _roll(session, assembly_id)
    if roll.frozen_at is not None:
        raise AttendanceError("the set present is frozen already")
    roll.present = await _present_count(session, assembly_id)
    roll.frozen_at = now()
    await log_event(
        session, assembly_id, "attendance.frozen", actor="chair", facts={"present": roll.present}
    )
    return AttendanceOut(present=roll.present, frozen=True, frozen_at=roll.frozen_at)


async def reopen_attendance(
    session: AsyncSession, assembly_id: uuid.UUID, chair: str
) -> AttendanceOut:
    """The chair reopens check-in (after a break); those present stay checked in. Caller
    commits."""
    await require_chair(session, chair, assembly_id)
    roll = await _roll(session, assembly_id)
    if roll.frozen_at is None:
        raise AttendanceError("check-in is open already")
    roll.frozen_at, roll.present = None, None
    await log_event(session, assembly_id, "attendance.reopened", actor="chair")
    return AttendanceOut(present=await _present_count(session, assembly_id), frozen=False)


async def attendance_of(
    session: AsyncSession, assembly_id: uuid.UUID, *, member_id: int | None = None
) -> AttendanceOut:
    """How many are present and whether the set is frozen; with ``member_id``, whether they
    have checked in."""
    roll = await session.scalar(
        select(AttendanceRoll).where(AttendanceRoll.assembly_id == assembly_id)
    )
    checked_in = None
    if member_id is not None:
        checked_in = (
            await session.scalar(
                select(Attendance.member_id).where(
                    Attendance.assembly_id == assembly_id, Attendance.member_id == member_id
                )
            )
        ) is not None
    frozen_at = None if roll is None else roll.frozen_at
    return AttendanceOut(
        present=await _present_count(session, assembly_id),
        frozen=frozen_at is not None,
        frozen_at=frozen_at,
        checked_in=checked_in,
    )


async def present_members(session: AsyncSession, assembly_id: uuid.UUID) -> set[int]:
    """The ids of those in the frozen set present; 409 if the chair has not frozen it."""
    roll = await session.scalar(
        select(AttendanceRoll).where(AttendanceRoll.assembly_id == assembly_id)
    )
    if roll is None or roll.frozen_at is None:
        raise AttendanceError(
            "votes here are of those present: the chair freezes the set present before a vote opens"
        )
    return set(
        (
            await session.scalars(
                select(Attendance.member_id).where(Attendance.assembly_id == assembly_id)
            )
        ).all()
    )
