"""The speakers list over HTTP: members ask to speak on a motion and withdraw; its chair calls
the next speaker; anyone who may see the assembly reads the list with the time left.

Each handler parses, authorises (``visible_assembly`` / the chair grant, checked again inside
``assembly.meetings.speakers.call_next_speaker``), calls one domain function and commits.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings import speakers
from assembly.models import Motion
from assembly.motions.motions import load_motion
from schemas.assemblies import CallNextIn, SpeakersOut, SpeakIn
from service.auth import identity_of
from service.deps import DbSession
from service.routes.assemblies import visible_assembly

__all__ = ["SpeakersController"]

MotionId = Annotated[uuid.UUID, PathParameter(description="the motion's id")]


async def _visible(
    request: Request[Any, Any, Any], session: AsyncSession, motion_id: uuid.UUID
) -> Motion:
    motion = await load_motion(session, motion_id)
    await visible_assembly(request, session, motion.assembly_id)
    return motion


class SpeakersController(Controller):
    path = "/motions/{motion_id:uuid}/speakers"
    tags = ["speakers"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/", summary="The speakers list, with the current speaker's time left")
    async def show(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> SpeakersOut:
        motion = await _visible(request, db_session, motion_id)
        await db_session.commit()
        return await speakers.speakers_of(db_session, motion)

    @post("/", status_code=201, summary="Ask to speak for or against")
    async def ask(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[SpeakIn],
        db_session: DbSession,
    ) -> SpeakersOut:
        """Members in the motion's scope, once at a time each, while it is on the agenda."""
        motion = await _visible(request, db_session, motion_id)
        await speakers.ask_to_speak(
            db_session, motion_id, data.side, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await speakers.speakers_of(db_session, motion)

    @delete("/me", status_code=200, summary="Withdraw your request to speak")
    async def withdraw(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> SpeakersOut:
        motion = await _visible(request, db_session, motion_id)
        await speakers.withdraw_from_speaking(
            db_session, motion_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await speakers.speakers_of(db_session, motion)

    @post("/next", status_code=200, summary="Call the next speaker (chair)")
    async def call_next(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[CallNextIn],
        db_session: DbSession,
    ) -> SpeakersOut:
        """Ends the current speech and calls the next, alternating for and against where
        standing orders say so. ``after`` names the speaker the chair saw speaking; a repeated
        press (someone else speaks now) changes nothing."""
        motion = await load_motion(db_session, motion_id)
        await speakers.call_next_speaker(
            db_session, motion_id, chair=identity_of(request).subject, after=data.after
        )
        await db_session.commit()
        return await speakers.speakers_of(db_session, motion)
