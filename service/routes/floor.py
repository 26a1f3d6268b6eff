"""The floor of an assembly over HTTP: delegates and credentials, proxies, attendance.

Each handler parses, finds the caller, calls one ``assembly.meetings`` function (which decides
who may do what) and commits before answering. Branch secretaries and stewards are granted by
an administrator, like chairs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings import attendance, delegates
from assembly.meetings.assemblies import touch_assembly
from roll.grants import grant_role
from roll.members import member_id_of
from roll.viewer import Viewer, viewer_for
from schemas.assemblies import ChairIn
from schemas.floor import (
    AttendanceOut,
    CheckInIn,
    CredentialIn,
    DelegateIn,
    DelegateOut,
    EntitlementOut,
    HallCodeOut,
    ProxyIn,
    StewardCheckInIn,
)
from service.auth import identity_of, requires_role
from service.deps import DbSession
from service.routes.assemblies import visible_assembly

__all__ = ["BranchController", "FloorController"]

AssemblyId = Annotated[uuid.UUID, PathParameter(description="the assembly's id")]
DelegateId = Annotated[uuid.UUID, PathParameter(description="the delegate's id")]
BranchCode = Annotated[str, PathParameter(description="the branch's code")]
_ADMIN = requires_role("admin")


async def _viewer(request: Request[Any, Any, Any], session: AsyncSession) -> Viewer:
    identity = identity_of(request)
    return await viewer_for(session, identity.subject, identity.roles)


async def _shown(
    session: AsyncSession, assembly_id: uuid.UUID, delegate_id: uuid.UUID
) -> DelegateOut:
    return next(
        d for d in await delegates.delegates_of(session, assembly_id) if d.id == str(delegate_id)
    )


class FloorController(Controller):
    path = "/assemblies/{assembly_id:uuid}"
    tags = ["floor"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/delegates", summary="The delegates, their branches, states and proxies")
    async def delegates(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> list[DelegateOut]:
        await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        return await delegates.delegates_of(db_session, assembly_id)

    @get("/entitlements", summary="How many delegates each branch may send")
    async def entitlements(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> list[EntitlementOut]:
        assembly = await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        return await delegates.entitlements(db_session, assembly)

    @post("/delegates", status_code=201, summary="Register a delegate (branch secretary)")
    async def register(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[DelegateIn],
        db_session: DbSession,
    ) -> DelegateOut:
        """Within the branch's entitlement (409 beyond it, naming it)."""
        await visible_assembly(request, db_session, assembly_id)
        viewer = await _viewer(request, db_session)
        made = await delegates.register_delegate(db_session, assembly_id, viewer, data.member)
        await db_session.commit()
        return await _shown(db_session, assembly_id, made.id)

    @post("/delegates/{delegate_id:uuid}/credentials", status_code=200, summary="Credentials")
    async def credentials(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        delegate_id: DelegateId,
        data: JSONBody[CredentialIn],
        db_session: DbSession,
    ) -> DelegateOut:
        """The chair or an administrator approves or rejects a delegate."""
        await visible_assembly(request, db_session, assembly_id)
        viewer = await _viewer(request, db_session)
        await delegates.credential_delegate(
            db_session, assembly_id, delegate_id, viewer, approve=data.approve
        )
        await db_session.commit()
        return await _shown(db_session, assembly_id, delegate_id)

    @post("/delegates/{delegate_id:uuid}/withdraw", status_code=200, summary="Withdraw a delegate")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        delegate_id: DelegateId,
        db_session: DbSession,
    ) -> DelegateOut:
        await visible_assembly(request, db_session, assembly_id)
        viewer = await _viewer(request, db_session)
        await delegates.withdraw_delegate(db_session, assembly_id, delegate_id, viewer)
        await db_session.commit()
        return await _shown(db_session, assembly_id, delegate_id)

    @post("/proxy", status_code=200, summary="Name your proxy (delegate)")
    async def name_proxy(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[ProxyIn],
        db_session: DbSession,
    ) -> DelegateOut:
        """Counts in votes that open from now on."""
        await visible_assembly(request, db_session, assembly_id)
        mine = await delegates.name_proxy(
            db_session, assembly_id, identity_of(request).subject, data.proxy
        )
        await db_session.commit()
        return await _shown(db_session, assembly_id, mine.id)

    @post("/proxy/revoke", status_code=200, summary="Revoke your proxy (delegate)")
    async def revoke_proxy(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> DelegateOut:
        await visible_assembly(request, db_session, assembly_id)
        mine = await delegates.revoke_proxy(db_session, assembly_id, identity_of(request).subject)
        await db_session.commit()
        return await _shown(db_session, assembly_id, mine.id)

    @post("/stewards", guards=[_ADMIN], status_code=201, summary="Grant a steward")
    async def grant_steward(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[ChairIn],
        db_session: DbSession,
    ) -> AttendanceOut:
        await touch_assembly(db_session, assembly_id)
        await grant_role(
            db_session,
            subject=data.subject,
            role="steward",
            object_kind="assembly",
            object_id=str(assembly_id),
            granted_by=identity_of(request).subject,
        )
        await db_session.commit()
        return await attendance.attendance_of(db_session, assembly_id)

    @post("/hall-code", status_code=201, summary="Set the code shown in the hall (chair)")
    async def hall_code(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> HallCodeOut:
        await visible_assembly(request, db_session, assembly_id)
        code = await attendance.set_hall_code(db_session, assembly_id, identity_of(request).subject)
        await db_session.commit()
        return HallCodeOut(code=code)

    @post("/check-in", status_code=200, summary="Check in with the hall's code")
    async def check_in(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[CheckInIn],
        db_session: DbSession,
    ) -> AttendanceOut:
        await visible_assembly(request, db_session, assembly_id)
        shown = await attendance.check_in(
            db_session, assembly_id, identity_of(request).subject, data.code
        )
        await db_session.commit()
        return shown

    @post("/check-in/steward", status_code=200, summary="Check a member in (steward)")
    async def steward_check_in(
        self,
        request: Request[Any, Any, Any],
        assembly_id: AssemblyId,
        data: JSONBody[StewardCheckInIn],
        db_session: DbSession,
    ) -> AttendanceOut:
        await visible_assembly(request, db_session, assembly_id)
        shown = await attendance.steward_check_in(
            db_session, assembly_id, identity_of(request).subject, data.member
        )
        await db_session.commit()
        return shown

    @get("/attendance", summary="How many are present, and whether the set is frozen")
    async def attendance(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> AttendanceOut:
        await visible_assembly(request, db_session, assembly_id)
        await db_session.commit()
        me = await member_id_of(db_session, identity_of(request).subject)
        return await attendance.attendance_of(db_session, assembly_id, member_id=me)

    @post("/attendance/freeze", status_code=200, summary="Freeze the set present (chair)")
    async def freeze(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> AttendanceOut:
        await visible_assembly(request, db_session, assembly_id)
        shown = await attendance.freeze_present(
            db_session, assembly_id, identity_of(request).subject
        )
        await db_session.commit()
        return shown

    @post("/attendance/reopen", status_code=200, summary="Reopen check-in (chair)")
    async def reopen(
        self, request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
    ) -> AttendanceOut:
        await visible_assembly(request, db_session, assembly_id)
        shown = await attendance.reopen_attendance(
            db_session, assembly_id, identity_of(request).subject
        )
        await db_session.commit()
        return shown


class BranchController(Controller):
    path = "/branches"
    tags = ["floor"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/{code:str}/secretaries", guards=[_ADMIN], status_code=201, summary="Grant a secretary")
    async def grant_secretary(
        self,
        request: Request[Any, Any, Any],
        code: BranchCode,
        data: JSONBody[ChairIn],
        db_session: DbSession,
    ) -> dict[str, str]:
        """An administrator makes ``subject`` the secretary of branch ``code``: they register
        its delegates."""
        await grant_role(
            db_session,
            subject=data.subject,
            role="secretary",
            object_kind="branch",
            object_id=code,
            granted_by=identity_of(request).subject,
        )
        await db_session.commit()
        return {"branch": code, "role": "secretary", "subject": data.subject}
