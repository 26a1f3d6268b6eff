"""Contests over HTTP: define, open, close, count, publish; cast; turnout; results; receipts.

Each handler parses, authorises, calls one ``voting`` function and commits explicitly before
answering, so a failed commit is an error response and never a lost vote behind a 2xx.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from sqlalchemy.ext.asyncio import AsyncSession

from roll.viewer import Viewer, viewer_for
from schemas.bundle import Bundle
from schemas.contests import (
    BallotIn,
    ContestCreate,
    ContestOut,
    Receipt,
    ReceiptProof,
    ResultOut,
    Turnout,
)
from schemas.problems import DomainError
from service.auth import identity_of, requires_role
from service.deps import DbEngine, DbSession
from service.turnout_feed import turnout_feed
from voting import lifecycle, queries
from voting.bundle import build_bundle, contest_blt
from voting.casting import cast_ballot

__all__ = ["ContestController"]

ContestId = Annotated[uuid.UUID, PathParameter(description="the contest's id")]
_RO = requires_role("returning_officer")


async def _viewer(request: Request[Any, Any, Any], session: AsyncSession) -> Viewer:
    identity = identity_of(request)
    return await viewer_for(session, identity.subject, identity.roles)


class ContestController(Controller):
    path = "/contests"
    tags = ["contests"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/", guards=[_RO], status_code=201, summary="Define a contest (draft)")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[ContestCreate], db_session: DbSession
    ) -> ContestOut:
        """A returning officer defines a motion, election, recall or referendum."""
        contest = await lifecycle.create_contest(
            db_session, data, created_by=identity_of(request).subject
        )
        await db_session.commit()
        return queries.contest_out(contest, await lifecycle.options_of(db_session, contest.id))

    @get("/", summary="Contests you can see")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        in_state: Annotated[str | None, QueryParameter(name="state", required=False)] = None,
    ) -> list[ContestOut]:
        """Members see contests in their scope (not drafts) and whether they voted."""
        viewer = await _viewer(request, db_session)
        return await queries.list_contests(db_session, viewer, state=in_state)

    @get("/{contest_id:uuid}", summary="One contest")
    async def show(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> ContestOut:
        return await queries.visible_contest(
            db_session, contest_id, await _viewer(request, db_session)
        )

    async def _transition(
        self,
        request: Request[Any, Any, Any],
        contest_id: uuid.UUID,
        db_session: AsyncSession,
        step: Any,
    ) -> ContestOut:
        contest = await step(db_session, contest_id, actor="returning_officer")
        await db_session.commit()
        return queries.contest_out(contest, await lifecycle.options_of(db_session, contest.id))

    @post("/{contest_id:uuid}/open", guards=[_RO], status_code=200, summary="Open for voting")
    async def open(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> ContestOut:
        """Freezes the electorate: the active members in scope in the current roll snapshot."""
        return await self._transition(request, contest_id, db_session, lifecycle.open_contest)

    @post(
        "/{contest_id:uuid}/close",
        guards=[_RO],
        status_code=200,
        summary="Close and commit to the box",
    )
    async def close(
        self,
        request: Request[Any, Any, Any],
        contest_id: ContestId,
        db_session: DbSession,
        db_engine: DbEngine,
    ) -> ContestOut:
        """Commits to the box and, for a secret contest, rewrites it so that no row keeps the
        transaction it was cast in (then vacuums the old row versions)."""
        closed = await self._transition(request, contest_id, db_session, lifecycle.close_contest)
        if closed.secret:
            await lifecycle.vacuum_box(db_engine)
        return closed

    @post("/{contest_id:uuid}/count", guards=[_RO], status_code=200, summary="Count the closed box")
    async def count(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> ContestOut:
        return await self._transition(request, contest_id, db_session, lifecycle.count_contest_now)

    @post(
        "/{contest_id:uuid}/publish", guards=[_RO], status_code=200, summary="Certify and publish"
    )
    async def publish(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> ContestOut:
        return await self._transition(request, contest_id, db_session, lifecycle.publish_contest)

    @post("/{contest_id:uuid}/ballots", status_code=201, summary="Cast your ballot")
    async def cast(
        self,
        request: Request[Any, Any, Any],
        contest_id: ContestId,
        data: JSONBody[BallotIn],
        db_session: DbSession,
    ) -> Receipt:
        """``{"choice": "for"}``, ``{"option": ID}`` or ``{"ranking": [ID, ...]}``. Answers 201
        with your receipt once the vote is durably recorded."""
        caller = identity_of(request)
        receipt = await cast_ballot(db_session, contest_id, caller.subject, data, caller.roles)
        await db_session.commit()
        return receipt

    @get("/{contest_id:uuid}/turnout", summary="Turnout (counts only)")
    async def turnout(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> Turnout:
        return await queries.turnout(db_session, contest_id, await _viewer(request, db_session))

    @get(
        "/{contest_id:uuid}/turnout/stream",
        summary="Turnout as server-sent events",
        media_type="text/event-stream",
    )
    async def turnout_stream(
        self,
        request: Request[Any, Any, Any],
        contest_id: ContestId,
        db_session: DbSession,
        db_engine: DbEngine,
    ) -> ServerSentEvent:
        """One ``turnout`` event per second while the contest is open, then a last one. Every
        viewer in a process shares one count a second (``service.turnout_feed``); a member may
        hold a few streams at once (429 past that)."""
        viewer = await _viewer(request, db_session)
        first = await queries.turnout(db_session, contest_id, viewer)
        feed = turnout_feed(request.app.state, db_engine)
        feed.make_room(viewer.subject)

        async def events() -> AsyncGenerator[ServerSentEventMessage, None]:
            async with feed.watch(first, viewer.subject) as updates:
                async for current in updates:
                    yield ServerSentEventMessage(data=_json(current), event="turnout")

        return ServerSentEvent(events())

    @get("/{contest_id:uuid}/result", summary="The result and transcript")
    async def result(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> ResultOut:
        """To returning officers once counted; to everyone once published."""
        return await queries.result_out(db_session, contest_id, await _viewer(request, db_session))

    @get("/{contest_id:uuid}/bundle", summary="The audit bundle", media_type=MediaType.JSON)
    async def bundle(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> Bundle:
        """After publish, to everyone who may see the contest: manifest, roll commitment,
        ballots, box commitment, result and the log entries with inclusion proofs and a signed
        checkpoint (schema: ``schemas/json/bundle.schema.json``). Check it offline with
        ``plenary verify``."""
        checkpointer = getattr(request.app.state, "audit_log", None)
        if checkpointer is None:
            raise DomainError("the log's signer is not running yet; try again shortly", status=503)
        viewer = await _viewer(request, db_session)
        return await build_bundle(
            db_session,
            contest_id,
            viewer,
            signer=checkpointer.key.signer,
            origin=checkpointer.origin,
        )

    @get("/{contest_id:uuid}/blt", summary="Ranked ballots as BLT", media_type=MediaType.TEXT)
    async def blt(
        self, request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
    ) -> str:
        """After publish, the ballots of an election or referendum as a BLT file, to recount
        with any STV program (``python -m tally`` reads it)."""
        viewer = await _viewer(request, db_session)
        return await contest_blt(db_session, contest_id, viewer)

    @get("/{contest_id:uuid}/receipts/{receipt_hash:str}", summary="Prove a receipt is in the box")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        contest_id: ContestId,
        receipt_hash: Annotated[str, PathParameter(description="the receipt hash, hex")],
        db_session: DbSession,
    ) -> ReceiptProof:
        """After close: the inclusion proof of your receipt hash in the published receipts root
        (404, as for the contest itself, to those who may not see the contest)."""
        await queries.visible_contest(db_session, contest_id, await _viewer(request, db_session))
        return await queries.prove_receipt(db_session, contest_id, receipt_hash)


def _json(value: Any) -> str:
    import msgspec

    return msgspec.json.encode(value).decode()
