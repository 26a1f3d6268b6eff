"""Assemblies over HTTP: set up, chairs, states, motions, composites, agenda and the record.

Each handler parses, authorises, calls one ``assembly`` function and commits before answering.
Administrators set assemblies up and grant chairs; a chair acts on the one assembly they hold
a grant on (a ``chair`` role in the token alone is not enough); members act where the scope
of the decision includes them, which the domain checks against the roll. Reads write nothing: the
timetabled steps are taken on time by ``service.due_work``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import JSONBody, PathParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings import agenda as agenda_of
from assembly.meetings import guards
from assembly.meetings.assemblies import (
    AssemblyNotFound,
    create_assembly,
    log_chair_granted,
    move_assembly,
    touch_assembly,
)
from assembly.meetings.record import assembly_record, record_markdown
from assembly.models import Assembly, Motion
from assembly.motions.composites import composite_motions
from assembly.motions.motions import submit_motion
from assembly.motions.views import assembly_out, motion_out
from roll.grants import grant_role
from roll.viewer import viewer_for
from schemas.assemblies import (
    AgendaIn,
    AssemblyCreate,
    AssemblyOut,
    AssemblyRecord,
    ChairIn,
    CompositeCreate,
    MotionCreate,
    MotionOut,
    StateIn,
)
from service.auth import identity_of, requires_role
from service.deps import DbSession

__all__ = ["AssemblyController", "require_chair", "visible_assembly"]

AssemblyId = Annotated[uuid.UUID, PathParameter(description="the assembly's id")]
_ADMIN = requires_role("admin")


async def require_chair(
    request: Request[Any, Any, Any], session: AsyncSession, assembly_id: uuid.UUID
) -> str:
    """The caller's subject if they chair this assembly, else 403 (``assembly.meetings.guards``)."""
    return await guards.require_chair(session, identity_of(request).subject, assembly_id)


async def visible_assembly(
    request: Request[Any, Any, Any], session: AsyncSession, assembly_id: uuid.UUID
) -> Assembly:
    """The assembly if the caller may see it, else 404 (``assembly.meetings.guards``)."""
    identity = identity_of(request)
    viewer = await viewer_for(session, identity.subject, identity.roles)
    return await guards.visible_assembly(session, viewer, assembly_id)


class AssemblyController(Controller):
    path = "/assemblies"
    tags = ["assemblies"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/", guards=[_ADMIN], status_code=201, summary="Set up an assembly (draft)")
    async def create(
        self, request: Request[Any, Any, Any], data: JSONBody[AssemblyCreate], db_session: DbSession
    ) -> AssemblyOut:
        """An administrator sets up a conference, regional assembly or branch meeting with its
        scope, timetable and standing orders."""
        assembly = await create_assembly(db_session, data, created_by=identity_of(request).subject)
        await db_session.commit()
        return await assembly_out(db_session, assembly)

    @get("/", summary="Assemblies you can see")
    async def index(
        self, request: Request[Any, Any, Any], db_session: DbSession
    ) -> list[AssemblyOut]:
        """Newest first: every one to officers, those in your scope (not drafts) to members."""
        ids = (
            await db_session.scalars(select(Assembly.id).order_by(Assembly.created_at.desc()))
        ).all()
        shown = []
        for assembly_id in ids:
            try:
                shown.append(await visible_assembly(request, db_session, assembly_id))
            except AssemblyNotFound:
                continue
        await db_session.commit()
        return [await assembly_out(db_session, a) for a in shown]

    @get("/{assembly_id:uuid}", summary="One assembly")
    async def show(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> AssemblyOut:
        assembly = await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        return await assembly_out(db_session, assembly)

    @post("/{assembly_id:uuid}/chairs", guards=[_ADMIN], status_code=201, summary="Grant a chair")
    async def grant_chair(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[ChairIn],
        db_session: DbSession,
    ) -> AssemblyOut:
        """An administrator makes ``subject`` a chair of this assembly (and of it alone)."""
        assembly = await touch_assembly(db_session, assembly_id)
        await grant_role(
            db_session,
            subject=data.subject,
            role="chair",
            object_kind="assembly",
            object_id=str(assembly.id),
            granted_by=identity_of(request).subject,
        )
        await log_chair_granted(db_session, assembly.id)
        await db_session.commit()
        return await assembly_out(db_session, assembly)

    @post("/{assembly_id:uuid}/state", status_code=200, summary="Move to the next state (chair)")
    async def move(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[StateIn],
        db_session: DbSession,
    ) -> AssemblyOut:
        """draft → motions_open → amendments_open → in_session → closed, one step at a time."""
        await require_chair(request, db_session, assembly_id)
        assembly = await move_assembly(db_session, assembly_id, data.to)
        await db_session.commit()
        return await assembly_out(db_session, assembly)

    @post("/{assembly_id:uuid}/motions", status_code=201, summary="Submit a motion")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[MotionCreate],
        db_session: DbSession,
    ) -> MotionOut:
        """A member in scope submits numbered paragraphs while motions are open (409 naming
        the deadline otherwise)."""
        await visible_assembly(request, db_session, assembly_id)
        motion = await submit_motion(
            db_session, assembly_id, data, subject=identity_of(request).subject
        )
        await db_session.commit()
        return await motion_out(db_session, motion, await touch_assembly(db_session, assembly_id))

    @get("/{assembly_id:uuid}/motions", summary="Every motion, with its amendments")
    async def motions(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> list[MotionOut]:
        assembly = await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        rows = await db_session.scalars(
            select(Motion).where(Motion.assembly_id == assembly.id).order_by(Motion.number)
        )
        return [await motion_out(db_session, m, assembly) for m in rows.all()]

    @post("/{assembly_id:uuid}/composites", status_code=201, summary="Composite motions (chair)")
    async def composite(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[CompositeCreate],
        db_session: DbSession,
    ) -> MotionOut:
        """The composite is admitted; each source becomes ``composited`` and links to it."""
        await require_chair(request, db_session, assembly_id)
        motion = await composite_motions(db_session, assembly_id, data)
        await db_session.commit()
        return await motion_out(db_session, motion, await touch_assembly(db_session, assembly_id))

    @get("/{assembly_id:uuid}/agenda", summary="The order of business")
    async def agenda(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> list[MotionOut]:
        assembly = await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        motions = await agenda_of.agenda(db_session, assembly.id)
        return [await motion_out(db_session, m, assembly, amendments=False) for m in motions]

    @put("/{assembly_id:uuid}/agenda", summary="Set the order of business (chair)")
    async def set_agenda(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[AgendaIn],
        db_session: DbSession,
    ) -> list[MotionOut]:
        await require_chair(request, db_session, assembly_id)
        motions = await agenda_of.set_agenda(db_session, assembly_id, data.motions)
        await db_session.commit()
        assembly = await touch_assembly(db_session, assembly_id)
        return [await motion_out(db_session, m, assembly, amendments=False) for m in motions]

    @get("/{assembly_id:uuid}/record", summary="The assembly's record (JSON)")
    async def record(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> AssemblyRecord:
        """Motions, amendments, decisions, vote results, final texts, digests and the log
        entries that recorded them."""
        assembly = await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        return await assembly_record(db_session, assembly)

    @get(
        "/{assembly_id:uuid}/record.md",
        summary="The assembly's record (Markdown)",
        media_type="text/markdown; charset=utf-8",
    )
    async def record_md(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> Response[str]:
        """The same record as a readable document."""
        assembly = await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        document = record_markdown(await assembly_record(db_session, assembly))
        return Response(content=document, media_type="text/markdown; charset=utf-8")
