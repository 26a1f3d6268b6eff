"""Sortition over HTTP: set up, volunteer, withdraw, commit, draw, and the published record.

Each handler parses, authorises, calls one ``assembly`` function and commits before answering.
Returning officers (and administrators) organise draws; members volunteer where the scope
includes them, which the domain checks against the roll.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.sortition import sortition, sortition_draw
from assembly.sortition.sortition_models import Sortition
from assembly.sortition.sortition_views import sortition_out, sortition_record
from roll.members import member_id_of
from schemas.sortition import CommitIn, DrawIn, SortitionCreate, SortitionOut, VolunteerOut
from service.auth import identity_of, requires_role
from service.deps import DbSession

__all__ = ["SortitionController"]

SortitionId = Annotated[uuid.UUID, PathParameter(description="the sortition's id")]
_ORGANISER = requires_role("returning_officer", "admin")


async def _member_id(request: Request[Any, Any, Any], session: AsyncSession) -> int | None:
    return await member_id_of(session, identity_of(request).subject)


class SortitionController(Controller):
    path = "/sortitions"
    tags = ["sortition"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/", guards=[_ORGANISER], status_code=201, summary="Set up a draw by lot (pool open)")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SortitionCreate],
        db_session: DbSession,
    ) -> SortitionOut:
        """Seats, features, per-feature quotas and rotation (members who served in the last
        ``exclude_terms`` terms of the same role are left out)."""
        made = await sortition.create_sortition(
            db_session, data, created_by=identity_of(request).subject
        )
        await db_session.commit()
        return await sortition_out(db_session, made)

    @get("/", summary="Every draw")
    async def index(
        self, request: Request[Any, Any, Any], db_session: DbSession
    ) -> list[SortitionOut]:
        rows = (
            await db_session.scalars(select(Sortition).order_by(Sortition.created_at.desc()))
        ).all()
        member = await _member_id(request, db_session)
        return [await sortition_out(db_session, s, member) for s in rows]

    @get("/{sortition_id:uuid}", summary="One draw")
    async def show(
        self, request: Request[Any, Any, Any], sortition_id: SortitionId, db_session: DbSession
    ) -> SortitionOut:
        found = await sortition.load_sortition(db_session, sortition_id)
        return await sortition_out(db_session, found, await _member_id(request, db_session))

    @post("/{sortition_id:uuid}/volunteers", status_code=201, summary="Volunteer for the pool")
    async def volunteer(
        self, request: Request[Any, Any, Any], sortition_id: SortitionId, db_session: DbSession
    ) -> VolunteerOut:
        """An active member in scope, while the pool is open; the published inputs know you
        by the ticket in the answer, with your self-described features from the roll, and the
        commitment binds that ticket to you under the salt in the answer (your receipt)."""
        receipt = await sortition.volunteer(
            db_session, sortition_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return receipt

    @delete("/{sortition_id:uuid}/volunteers/me", status_code=200, summary="Leave the pool")
    async def withdraw(
        self, request: Request[Any, Any, Any], sortition_id: SortitionId, db_session: DbSession
    ) -> SortitionOut:
        left = await sortition.withdraw_volunteer(
            db_session, sortition_id, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await sortition_out(db_session, left, await _member_id(request, db_session))

    @post(
        "/{sortition_id:uuid}/commit",
        guards=[_ORGANISER],
        summary="Close the pool and commit",
        responses={
            202: ResponseSpec(
                SortitionOut, description="The pool is closed and the portfolio is being solved"
            )
        },
    )
    async def commit(
        self,
        request: Request[Any, Any, Any],
        sortition_id: SortitionId,
        data: JSONBody[CommitIn],
        db_session: DbSession,
    ) -> Response[SortitionOut]:
        """Logs the pool's digest, every volunteer's salted commitment, the quotas, the method
        and the drand round (still to come) whose beacon will seed the draw. A ``maximin`` draw
        answers 202 with state ``committing`` at once: its portfolio is solved in the
        background, and the sortition's URL (``Location``) shows ``committed`` when it is done,
        or ``pool_open`` with ``commit_problem`` if the round passed meanwhile."""
        committed = await sortition_draw.commit_sortition(db_session, sortition_id, data)
        await db_session.commit()
        shown = await sortition_out(db_session, committed)
        if committed.state == "committing":
            return Response(
                shown,
                status_code=202,
                headers={"Location": request.url.path.removesuffix("/commit")},
            )
        return Response(shown, status_code=200)

    @post(
        "/{sortition_id:uuid}/draw", guards=[_ORGANISER], status_code=200, summary="Draw the panel"
    )
    async def draw(
        self, sortition_id: SortitionId, data: JSONBody[DrawIn], db_session: DbSession
    ) -> SortitionOut:
        """With the named drand round's beacon, once it is due; its signature is checked against
        the chain's key, and the seed combines it with the commitment."""
        drawn = await sortition_draw.draw_sortition(db_session, sortition_id, data)
        await db_session.commit()
        return await sortition_out(db_session, drawn)

    @get(
        "/{sortition_id:uuid}/record",
        summary="The published record (for plenary verify-draw)",
        media_type=MediaType.JSON,
    )
    async def record(self, sortition_id: SortitionId, db_session: DbSession) -> dict[str, Any]:
        """From the commitment: inputs and every ticket's salted commitment (check yours with
        ``plenary verify-draw FILE --ticket --salt --member``); once drawn also the beacon,
        seed, result and panel, which ``plenary verify-draw FILE`` re-checks offline."""
        found = await sortition.load_sortition(db_session, sortition_id)
        return await sortition_record(db_session, found)
