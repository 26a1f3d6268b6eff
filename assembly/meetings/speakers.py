"""The speakers list of an agenda item (a motion): members ask to speak, the chair calls them.

Members in the motion's scope ask to speak for or against it while it is on the agenda and
undecided, once at a time each, and may withdraw until called. The chair calls the next
speaker: with ``speakers_alternate`` in standing orders, the earliest waiting on the side
opposite the last speaker called (else the earliest of all); the speaker called before is then
done. Each speech has standing orders' ``speech_seconds``; the time left is computed from the
clock the caller gives, so tests step it. Every change is logged with ids only (never who).
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.log import log_event
from assembly.meetings.assemblies import orders_of, touch_assembly
from assembly.meetings.guards import require_chair
from assembly.models import Motion, SpeakerRequest
from roll.eligibility import participant
from roll.members import numbers_of
from roll.scope import Scope
from schemas.assemblies import SpeakerOut, SpeakersOut
from schemas.moments import now
from schemas.problems import DomainError

__all__ = ["ask_to_speak", "call_next_speaker", "speakers_of", "withdraw_from_speaking"]

# Where a motion may have a speakers list: admitted, before and while it is voted.
_OPEN = ("admitted",)


class SpeakersError(DomainError):
    status = 409
    title = "Not possible on the speakers list now"


async def _motion(session: AsyncSession, motion_id: uuid.UUID) -> Motion:
    motion = await session.scalar(select(Motion).where(Motion.id == motion_id))
    if motion is None:
        raise DomainError(f"there is no motion {motion_id}", status=404, title="No such motion")
    return motion


async def _requests(
    session: AsyncSession, motion_id: uuid.UUID, *, lock: bool = False
) -> list[SpeakerRequest]:
    query = (
        select(SpeakerRequest)
        .where(SpeakerRequest.motion_id == motion_id)
        .order_by(SpeakerRequest.asked_at, SpeakerRequest.id)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list((await session.scalars(query)).all())


async def _log(
    session: AsyncSession, motion: Motion, request: SpeakerRequest, event: str, actor: str
) -> None:
    await log_event(
        session,
        motion.assembly_id,
        f"speaker.{event}",
        actor=actor,
        subjects={"motion": str(motion.id), "speaker_request": str(request.id)},
        facts={"side": request.side, "state": request.state},
    )


async def ask_to_speak(
    session: AsyncSession,
    motion_id: uuid.UUID,
    side: str,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> SpeakerRequest:
    """A member in the motion's scope asks to speak for or against it; 409 while they already
    wait or speak on it. Caller commits. Cost: a few short statements."""
    moment = at or now()
    motion = await _motion(session, motion_id)
    await touch_assembly(session, motion.assembly_id, at=moment)
    if motion.state not in _OPEN:
        raise SpeakersError(f"motion {motion.number} is {motion.state}; nobody speaks on it now")
    member = await participant(
        session, subject, Scope.parse(motion.scope), "speaking on this motion"
    )
    live = [
        r
        for r in await _requests(session, motion.id, lock=True)
        if r.member_id == member.member_id and r.state in ("waiting", "speaking")
    ]
    if live:
        raise SpeakersError("you are already on the speakers list for this motion")
    request = SpeakerRequest(
        id=uuid.uuid4(),
        motion_id=motion.id,
        member_id=member.member_id,
        side=side,
        state="waiting",
        asked_at=moment,
    )
    session.add(request)
    await session.flush()
    await _log(session, motion, request, "asked", "member")
    return request


async def withdraw_from_speaking(
    session: AsyncSession, motion_id: uuid.UUID, *, subject: str, at: dt.datetime | None = None
) -> SpeakerRequest:
    """A member takes their waiting request off the list (404 when they have none)."""
    motion = await _motion(session, motion_id)
    await touch_assembly(session, motion.assembly_id, at=at)
    member = await participant(session, subject, Scope.parse(motion.scope), "withdrawing")
    waiting = [
        r
        for r in await _requests(session, motion.id, lock=True)
        if r.member_id == member.member_id and r.state == "waiting"
    ]
    if not waiting:
        raise DomainError(
            "you are not waiting to speak on this motion", status=404, title="Not on the list"
        )
    request = waiting[0]
    request.state = "withdrawn"
    await _log(session, motion, request, "withdrawn", "member")
    return request


def _next(waiting: list[SpeakerRequest], last_side: str | None, alternate: bool) -> SpeakerRequest:
    """The one the chair calls: the earliest on the other side when alternating, else the
    earliest of all (and the earliest of all when the other side has nobody waiting)."""
    if alternate and last_side is not None:
        other = [r for r in waiting if r.side != last_side]
        if other:
            return other[0]
    return waiting[0]


async def call_next_speaker(
    session: AsyncSession,
    motion_id: uuid.UUID,
    *,
    chair: str,
    after: str | None,
    at: dt.datetime | None = None,
) -> Motion:
    """The chair ends the current speech and calls the next waiting speaker (none left: the
    list is simply done). ``after`` is the request the chair saw speaking: when another is
    speaking now, the press was repeated and nothing changes. Caller commits."""
    moment = at or now()
    motion = await _motion(session, motion_id)
    await require_chair(session, chair, motion.assembly_id)
    assembly = await touch_assembly(session, motion.assembly_id, at=moment)
    requests = await _requests(session, motion.id, lock=True)
    speaking = [r for r in requests if r.state == "speaking"]
    now_speaking = str(speaking[0].id) if speaking else None
    if now_speaking != after:
        return motion
    for request in speaking:
        request.state, request.finished_at = "spoken", moment
        await _log(session, motion, request, "spoken", "chair")
    waiting = [r for r in requests if r.state == "waiting"]
    if not waiting:
        return motion
    called = [r for r in requests if r.called_at is not None]
    last_side = max(called, key=lambda r: r.called_at or moment).side if called else None
    orders = orders_of(assembly)
    chosen = _next(waiting, last_side, orders.speakers_alternate)
    chosen.state, chosen.called_at = "speaking", moment
    await _log(session, motion, chosen, "called", "chair")
    return motion


async def speakers_of(
    session: AsyncSession, motion: Motion, *, at: dt.datetime | None = None
) -> SpeakersOut:
    """The list as the hall sees it, with the current speaker's time left at ``at`` (now).
    Waiting speakers are listed in the order they would be called. Cost: one read of the
    requests and one look-up of their membership numbers."""
    moment = at or now()
    assembly = await touch_assembly(session, motion.assembly_id, at=moment)
    orders = orders_of(assembly)
    requests = await _requests(session, motion.id)
    numbers = await numbers_of(session, {r.member_id for r in requests})

    def out(r: SpeakerRequest) -> SpeakerOut:
        return SpeakerOut(
            id=str(r.id), member=numbers[r.member_id], side=r.side, state=r.state,
            called_at=r.called_at,
        )  # fmt: skip

    speaking = next((r for r in requests if r.state == "speaking"), None)
    called = [r for r in requests if r.called_at is not None]
    last_side = max(called, key=lambda r: r.called_at or moment).side if called else None
    waiting = [r for r in requests if r.state == "waiting"]
    ordered: list[SpeakerRequest] = []
    while waiting:
        chosen = _next(waiting, last_side, orders.speakers_alternate)
        ordered.append(chosen)
        waiting.remove(chosen)
        last_side = chosen.side
    left = None
    if speaking is not None and speaking.called_at is not None:
        spent = int((moment - speaking.called_at).total_seconds())
        left = orders.speech_seconds - spent
    return SpeakersOut(
        motion=str(motion.id),
        speech_seconds=orders.speech_seconds,
        alternate=orders.speakers_alternate,
        waiting=[out(r) for r in ordered],
        spoken=sum(1 for r in requests if r.state == "spoken"),
        speaking=out(speaking) if speaking is not None else None,
        seconds_left=left,
    )
