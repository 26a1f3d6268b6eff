"""Motions and amendments over HTTP: seconding, rulings, forwarding, and voting in order.

Members second, withdraw and amend where the decision's scope includes them; the chair of the
motion's assembly admits, rules out, remits, forwards, reinstates fallen amendments and drives
the votes (``vote/start``, then ``vote/next`` until the motion itself is decided). Members cast
their votes on the contest each step opens, at ``/api/v1/contests/{id}/ballots``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import load_assembly
from assembly.models import Amendment, Motion
from assembly.motions import amendments, motion_votes, motions
from assembly.motions.composites import forward_motion
from assembly.motions.views import amendment_out, motion_out, vote_out
from schemas.assemblies import (
    AmendmentCreate,
    AmendmentOut,
    ForwardIn,
    MotionOut,
    ReinstateIn,
    RulingIn,
    VoteOut,
    VoteStartIn,
    VoteStepIn,
)
from schemas.problems import DomainError
from service.auth import identity_of
from service.deps import DbSession
from service.routes.assemblies import require_chair, visible_assembly

__all__ = ["MotionController"]

MotionId = Annotated[uuid.UUID, PathParameter(description="the motion's id")]
AmendmentId = Annotated[uuid.UUID, PathParameter(description="the amendment's id")]


async def _visible(
    request: Request[Any, Any, Any], session: AsyncSession, motion_id: uuid.UUID
) -> Motion:
    motion = await motions.load_motion(session, motion_id)
    await visible_assembly(request, session, motion.assembly_id)
    return motion


async def _chair(
    request: Request[Any, Any, Any], session: AsyncSession, motion_id: uuid.UUID
) -> str:
    motion = await motions.load_motion(session, motion_id)
    return await require_chair(request, session, motion.assembly_id)


async def _amendment(
    session: AsyncSession, motion_id: uuid.UUID, amendment_id: uuid.UUID
) -> Amendment:
    amendment = await amendments.load_amendment(session, amendment_id)
    if amendment.motion_id != motion_id:
        raise amendments.AmendmentNotFound(f"motion {motion_id} has no amendment {amendment_id}")
    return amendment


class MotionController(Controller):
    path = "/motions"
    tags = ["motions"]  # noqa: RUF012 - Litestar reads it as a class attribute

    async def _shown(self, session: AsyncSession, motion_id: uuid.UUID) -> MotionOut:
        motion = await motions.load_motion(session, motion_id)
        return await motion_out(session, motion, await load_assembly(session, motion.assembly_id))

    async def _amendment_shown(self, session: AsyncSession, amendment: Amendment) -> AmendmentOut:
        motion = await motions.load_motion(session, amendment.motion_id)
        assembly = await load_assembly(session, motion.assembly_id)
        return await amendment_out(session, amendment, motion, assembly)

    @get("/{motion_id:uuid}", summary="One motion, its amendments shown as diffs")
    async def show(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> MotionOut:
        await _visible(request, db_session, motion_id)
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @post("/{motion_id:uuid}/seconders", status_code=201, summary="Second a motion")
    async def second(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> MotionOut:
        """Once per member in the motion's scope, before the motions deadline."""
        await _visible(request, db_session, motion_id)
        await motions.second_motion(db_session, motion_id, subject=identity_of(request).subject)
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @delete("/{motion_id:uuid}/seconders/me", status_code=200, summary="Withdraw your seconding")
    async def unsecond(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> MotionOut:
        """Before the motions deadline."""
        await _visible(request, db_session, motion_id)
        await motions.withdraw_seconding(
            db_session, motion_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @post("/{motion_id:uuid}/withdraw", status_code=200, summary="Withdraw your motion")
    async def withdraw(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> MotionOut:
        """The proposer withdraws it (and its amendments), until voting on it begins."""
        await _visible(request, db_session, motion_id)
        await motions.withdraw_motion(db_session, motion_id, subject=identity_of(request).subject)
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @post("/{motion_id:uuid}/admit", status_code=200, summary="Admit to the agenda (chair)")
    async def admit(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> MotionOut:
        """Only with the seconders standing orders require."""
        await _chair(request, db_session, motion_id)
        await motions.admit_motion(db_session, motion_id)
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @post("/{motion_id:uuid}/rule-out", status_code=200, summary="Rule out of order (chair)")
    async def rule_out(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[RulingIn],
        db_session: DbSession,
    ) -> MotionOut:
        """The reason is published with the motion."""
        await _chair(request, db_session, motion_id)
        await motions.rule_out_motion(db_session, motion_id, data.reason)
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @post("/{motion_id:uuid}/remit", status_code=200, summary="Remit (chair)")
    async def remit(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> MotionOut:
        await _chair(request, db_session, motion_id)
        await motions.remit_motion(db_session, motion_id)
        await db_session.commit()
        return await self._shown(db_session, motion_id)

    @post("/{motion_id:uuid}/forward", status_code=201, summary="Forward to conference (chair)")
    async def forward(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[ForwardIn],
        db_session: DbSession,
    ) -> MotionOut:
        """A motion carried by a regional assembly becomes a motion at the conference, with
        its final text and a link back. Answers with the new motion."""
        await _chair(request, db_session, motion_id)
        try:
            target = uuid.UUID(data.to_assembly)
        except ValueError:
            raise DomainError("to_assembly must be an assembly id") from None
        forwarded = await forward_motion(db_session, motion_id, target)
        await db_session.commit()
        return await self._shown(db_session, forwarded.id)

    @post("/{motion_id:uuid}/amendments", status_code=201, summary="Submit an amendment")
    async def amend(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[AmendmentCreate],
        db_session: DbSession,
    ) -> AmendmentOut:
        """Delete or replace lines ``start..end``, or insert after line ``start``, while
        amendments are open (409 naming the deadline otherwise)."""
        await _visible(request, db_session, motion_id)
        amendment = await amendments.submit_amendment(
            db_session, motion_id, data, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await self._amendment_shown(db_session, amendment)

    @get("/{motion_id:uuid}/amendments/{amendment_id:uuid}", summary="One amendment")
    async def amendment(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        amendment_id: AmendmentId,
        db_session: DbSession,
    ) -> AmendmentOut:
        await _visible(request, db_session, motion_id)
        await db_session.commit()
        return await self._amendment_shown(
            db_session, await _amendment(db_session, motion_id, amendment_id)
        )

    @post(
        "/{motion_id:uuid}/amendments/{amendment_id:uuid}/seconders",
        status_code=201,
        summary="Second an amendment",
    )
    async def second_amendment(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        amendment_id: AmendmentId,
        db_session: DbSession,
    ) -> AmendmentOut:
        await _visible(request, db_session, motion_id)
        await _amendment(db_session, motion_id, amendment_id)
        amendment = await amendments.second_amendment(
            db_session, amendment_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await self._amendment_shown(db_session, amendment)

    @post(
        "/{motion_id:uuid}/amendments/{amendment_id:uuid}/withdraw",
        status_code=200,
        summary="Withdraw your amendment",
    )
    async def withdraw_amendment(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        amendment_id: AmendmentId,
        db_session: DbSession,
    ) -> AmendmentOut:
        await _visible(request, db_session, motion_id)
        await _amendment(db_session, motion_id, amendment_id)
        amendment = await amendments.withdraw_amendment(
            db_session, amendment_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await self._amendment_shown(db_session, amendment)

    @post(
        "/{motion_id:uuid}/amendments/{amendment_id:uuid}/admit",
        status_code=200,
        summary="Admit an amendment (chair)",
    )
    async def admit_amendment(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        amendment_id: AmendmentId,
        db_session: DbSession,
    ) -> AmendmentOut:
        subject = await _chair(request, db_session, motion_id)
        await _amendment(db_session, motion_id, amendment_id)
        amendment = await amendments.admit_amendment(db_session, amendment_id, chair=subject)
        await db_session.commit()
        return await self._amendment_shown(db_session, amendment)

    @post(
        "/{motion_id:uuid}/amendments/{amendment_id:uuid}/rule-out",
        status_code=200,
        summary="Rule an amendment out of order (chair)",
    )
    async def rule_out_amendment(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        amendment_id: AmendmentId,
        data: JSONBody[RulingIn],
        db_session: DbSession,
    ) -> AmendmentOut:
        subject = await _chair(request, db_session, motion_id)
        await _amendment(db_session, motion_id, amendment_id)
        amendment = await amendments.rule_out_amendment(
            db_session, amendment_id, data.reason, chair=subject
        )
        await db_session.commit()
        return await self._amendment_shown(db_session, amendment)

    @post(
        "/{motion_id:uuid}/amendments/{amendment_id:uuid}/reinstate",
        status_code=200,
        summary="Rule that a fallen amendment still applies (chair)",
    )
    async def reinstate(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        amendment_id: AmendmentId,
        data: JSONBody[ReinstateIn],
        db_session: DbSession,
    ) -> AmendmentOut:
        """To lines ``start..end`` of the text as amended so far; before the motion's own
        vote opens."""
        subject = await _chair(request, db_session, motion_id)
        await _amendment(db_session, motion_id, amendment_id)
        amendment = await amendments.reinstate_amendment(
            db_session, amendment_id, data, chair=subject
        )
        await db_session.commit()
        return await self._amendment_shown(db_session, amendment)

    @get("/{motion_id:uuid}/vote", summary="Where voting on the motion stands")
    async def vote(
        self, request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
    ) -> VoteOut:
        motion = await _visible(request, db_session, motion_id)
        await db_session.commit()
        return await vote_out(db_session, motion)

    @post("/{motion_id:uuid}/vote/start", status_code=200, summary="Begin voting (chair)")
    async def vote_start(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        db_session: DbSession,
        data: JSONBody[VoteStartIn | None] = None,
    ) -> VoteOut:
        """Opens the vote on the first amendment in line order, or on the motion if none.
        Pressed again once started, it changes nothing and answers where the votes stand; 409
        naming them while seconded amendments await the chair's ruling. ``method`` takes the
        first vote by secret or recorded ballot or by show of hands, where standing orders'
        ``vote_methods`` allow."""
        subject = await _chair(request, db_session, motion_id)
        motion = await motion_votes.start_vote(
            db_session, motion_id, created_by=subject, method=data.method if data else None
        )
        await db_session.commit()
        return await vote_out(db_session, motion)

    @post("/{motion_id:uuid}/vote/next", status_code=200, summary="Decide this vote, open the next")
    async def vote_next(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[VoteStepIn],
        db_session: DbSession,
    ) -> VoteOut:
        """Closes, counts and publishes the open vote, applies it (a carried amendment is
        merged; amendments whose lines it changed fall), then opens the next. An inquorate
        vote opens nothing: the next call takes it again. ``step`` is the ``step`` of the last
        answer: a request repeated (the step has moved on) changes nothing. A vote taken by
        show of hands is decided from ``hand_count`` (the tellers' figures); ``method`` is how
        the next vote is taken."""
        subject = await _chair(request, db_session, motion_id)
        motion = await motion_votes.advance_vote(
            db_session,
            motion_id,
            created_by=subject,
            step=data.step,
            method=data.method,
            hand_count=data.hand_count,
        )
        await db_session.commit()
        return await vote_out(db_session, motion)

    @post("/{motion_id:uuid}/vote/close", status_code=200, summary="Decide this vote, pause")
    async def vote_close(
        self,
        request: Request[Any, Any, Any],
        motion_id: MotionId,
        data: JSONBody[VoteStepIn],
        db_session: DbSession,
    ) -> VoteOut:
        """As ``vote/next`` but opens nothing, so the chair may reinstate a fallen amendment
        before ``vote/next`` opens the following vote."""
        subject = await _chair(request, db_session, motion_id)
        motion = await motion_votes.advance_vote(
            db_session,
            motion_id,
            created_by=subject,
            step=data.step,
            open_next=False,
            hand_count=data.hand_count,
        )
        await db_session.commit()
        return await vote_out(db_session, motion)
