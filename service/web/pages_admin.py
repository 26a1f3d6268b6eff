"""The administrator's pages: import the member roll, find a member, grant and revoke roles.

Importing is two steps. The upload (a multipart form, capped at ``PLENARY_MAX_CSV_BYTES`` as
the API's import is) is parsed by ``roll.parse`` and compared with the roll by
``roll.preview``: a bad file shows every bad line, as the CLI does; a good one shows what would
change and keeps a server-side copy named by its SHA-256 (``roll_upload``). Confirming imports
those very bytes with ``roll.imports``, all or nothing, logged as the API's import is, and is
refused if the roll changed since the preview. Finding a member uses ``roll.members`` and shows
their branch, status and grants (``roll.grants`` and the sign-in grants by email address).
Roles: organisation-wide roles by email address through ``service.signin.grant_rules`` (as
the API's sign-in grants), and chairs of an assembly through ``roll.grants``, logged as the
API's chair grant is.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import log_chair_granted, touch_assembly
from assembly.models import Assembly
from roll.grants import grant_role, grants_of
from roll.imports import current_snapshot, import_roll_csv
from roll.members import find_members
from roll.parse import RollError
from roll.preview import file_digest, preview_roll_csv
from schemas.problems import DomainError
from service.auth import requires_role
from service.deps import DbSession
from service.events import log_roll_import
from service.limits import LARGE_BODY
from service.signin.grant_rules import OFFICER_ROLES, grant_sign_in, revoke_sign_in
from service.signin.roll_changes import end_sessions_of_suspended
from service.signin.store import grants_for_email, list_grants
from service.web.i18n import N_, translator
from service.web.pages_vote import form_values
from service.web.render import language_of, page
from service.web.roll_upload import discard_upload, keep_upload, read_upload
from service.web.session import signed_in

__all__ = ["ADMIN_HANDLERS"]

_ADMIN = requires_role("admin")
_SHOWN = 100
"""How many members each list of the preview shows (the counts are always whole)."""

Imported = Annotated[
    int | None, QueryParameter(required=False, description="the snapshot just imported")
]
Query = Annotated[str, QueryParameter(required=False, description="number, name or email")]


@get("/admin", name="web:admin", guards=[_ADMIN])
async def desk(
    request: Request[Any, Any, Any], db_session: DbSession, imported: Imported = None
) -> Response[str]:
    """The roll as last imported, and the administrator's tasks."""
    _ = translator(language_of(request))
    return page(
        request,
        "admin.html",
        title=_("Administration"),
        snapshot=await current_snapshot(db_session),
        imported=imported is not None,
    )


def _upload_page(
    request: Request[Any, Any, Any], status: int = 200, **context: Any
) -> Response[str]:
    _ = translator(language_of(request))
    return page(
        request,
        "admin_roll.html",
        status=status,
        title=_("Import the member roll"),
        limit=request.app.state.settings.max_csv_bytes,
        **{"problems": None, "error": None, **context},
    )


@get("/admin/roll", name="web:admin-roll", guards=[_ADMIN])
async def roll_form(request: Request[Any, Any, Any]) -> Response[str]:
    """The form to upload a roll file."""
    return _upload_page(request)


@post("/admin/roll/preview", name="web:admin-roll-preview", guards=[_ADMIN], opt={LARGE_BODY: True})
async def roll_preview(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """Every bad line of the file, or what importing it would change, with a button to import."""
    form = await request.form()
    upload = form.get("roll")
    if not isinstance(upload, UploadFile):
        return _upload_page(request, 400, error=N_("Choose the roll file (CSV) to upload."))
    data = await upload.read()
    limit: int = request.app.state.settings.max_csv_bytes
    if len(data) > limit:
        raise ClientException(
            f"the file is {len(data)} bytes; the limit is {limit} (PLENARY_MAX_CSV_BYTES)",
            status_code=413,
        )
    try:
        preview = await preview_roll_csv(db_session, data)
    except RollError as exc:
        return _upload_page(request, 422, problems=exc.problems)
    keep_upload(request.app.state.settings.data_dir, data, preview.file_digest)
    _ = translator(language_of(request))
    return page(
        request,
        "admin_roll_preview.html",
        title=_("Check the roll before importing it"),
        preview=preview,
        shown=_SHOWN,
    )


@post("/admin/roll/import", name="web:admin-roll-import", guards=[_ADMIN])
async def roll_import(request: Request[Any, Any, Any], db_session: DbSession) -> Redirect:
    """Import exactly the previewed file, all or nothing, unless the roll changed meanwhile."""
    form = await request.form()
    digest = str(form.get("digest", ""))
    previewed_against = str(form.get("snapshot", ""))
    data_dir = request.app.state.settings.data_dir
    data = read_upload(data_dir, digest)
    if data is None or file_digest(data) != digest:
        raise ClientException(
            N_("That file is no longer here to import; upload it again."), status_code=409
        )
    snapshot = await current_snapshot(db_session)
    if str(snapshot.id if snapshot else "") != previewed_against:
        raise ClientException(
            N_(
                "The roll has changed since you checked this file; upload it again to see "
                "what it would change now."
            ),
            status_code=409,
        )
    imported = await import_roll_csv(db_session, data, source="web")
    await log_roll_import(db_session, imported, actor_role="admin")
    await end_sessions_of_suspended(db_session)
    await db_session.commit()
    discard_upload(data_dir, digest)
    return Redirect(f"/admin?imported={imported.snapshot_id}", status_code=303)


@get("/admin/members", name="web:admin-members", guards=[_ADMIN])
async def members(
    request: Request[Any, Any, Any], db_session: DbSession, q: Query = ""
) -> Response[str]:
    """Members by number, name or email, each with their branch, status and grants."""
    found = await find_members(db_session, q)
    grants = {m.membership_number: await grants_of(db_session, m.membership_number) for m in found}
    emails = {m.membership_number: await grants_for_email(db_session, m.email) for m in found}
    _ = translator(language_of(request))
    return page(
        request,
        "admin_members.html",
        title=_("Find a member"),
        q=q,
        found=found,
        grants=grants,
        sign_in_grants=emails,
    )


GrantId = Annotated[int, PathParameter(description="the sign-in grant's id")]


async def _grants_page(
    request: Request[Any, Any, Any], session: AsyncSession, status: int = 200, error: str = ""
) -> Response[str]:
    _ = translator(language_of(request))
    assemblies = (
        await session.execute(select(Assembly.id, Assembly.title).order_by(Assembly.title))
    ).all()
    return page(
        request,
        "admin_grants.html",
        status=status,
        title=_("Roles"),
        grants=await list_grants(session),
        roles=OFFICER_ROLES,
        assemblies=assemblies,
        error=error,
    )


@get("/admin/grants", name="web:admin-grants", guards=[_ADMIN])
async def grants(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """Who may sign in by email with which role; forms to grant a role or a chair."""
    return await _grants_page(request, db_session)


@post("/admin/grants", name="web:admin-grant", guards=[_ADMIN])
async def grant(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Grant an organisation-wide role to an officer signing in by email."""
    form = await form_values(request)
    try:
        await grant_sign_in(
            db_session,
            email=form.get("email", ""),
            subject=form.get("subject", ""),
            role=form.get("role", ""),
            granted_by=signed_in(request).subject,
        )
    except DomainError as exc:
        await db_session.rollback()
        return await _grants_page(request, db_session, 422, exc.detail)
    await db_session.commit()
    return Redirect("/admin/grants", status_code=303)


@post("/admin/grants/{grant_id:int}/revoke", name="web:admin-revoke", guards=[_ADMIN])
async def revoke(db_session: DbSession, grant_id: GrantId) -> Redirect:
    """Revoke a sign-in grant, ending that officer's sessions."""
    if await revoke_sign_in(db_session, grant_id) is None:
        raise NotFoundException("there is no such grant")
    await db_session.commit()
    return Redirect("/admin/grants", status_code=303)


@post("/admin/chairs", name="web:admin-chair", guards=[_ADMIN])
async def grant_chair(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Make a member (by membership number or subject) a chair of one assembly."""
    form = await form_values(request)
    subject = form.get("subject", "").strip()
    try:
        assembly_id = uuid.UUID(form.get("assembly", ""))
    except ValueError:
        return await _grants_page(request, db_session, 422, N_("Choose an assembly."))
    if not subject or len(subject) > 64:
        return await _grants_page(
            request, db_session, 422, N_("Give the chair's membership number (1 to 64 characters).")
        )
    assembly = await touch_assembly(db_session, assembly_id)
    await grant_role(
        db_session,
        subject=subject,
        role="chair",
        object_kind="assembly",
        object_id=str(assembly.id),
        granted_by=signed_in(request).subject,
    )
    await log_chair_granted(db_session, assembly.id)
    await db_session.commit()
    return Redirect(f"/admin/members?q={quote(subject)}", status_code=303)


ADMIN_HANDLERS = [
    desk,
    roll_form,
    roll_preview,
    roll_import,
    members,
    grants,
    grant,
    revoke,
    grant_chair,
]
