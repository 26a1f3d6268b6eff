"""``POST /api/v1/members/import``: an administrator imports the member roll as CSV."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import ClientException

from roll.imports import import_roll_csv
from schemas.organisation import RollImportResult
from service.auth import requires_role
from service.deps import DbSession
from service.events import log_roll_import
from service.limits import LARGE_BODY
from service.signin.roll_changes import end_sessions_of_suspended

__all__ = ["import_members"]


@post(
    "/members/import",
    guards=[requires_role("admin")],
    tags=["organisation"],
    summary="Import the member roll (CSV)",
    status_code=201,
    opt={LARGE_BODY: True},
)
async def import_members(
    request: Request[Any, Any, Any], db_session: DbSession
) -> RollImportResult:
    """Send the CSV as the body with ``Content-Type: text/csv``. All or nothing: a file with any
    bad line is rejected with every offending line listed (422), and the roll is unchanged."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in {"text/csv", "application/csv"}:
        raise ClientException(
            f"send the roll with Content-Type: text/csv (got {content_type or 'none'})",
            status_code=415,
        )
    limit: int = request.app.state.settings.max_csv_bytes
    data = await request.body()
    if len(data) > limit:
        raise ClientException(
            f"the file is {len(data)} bytes; the limit is {limit} (PLENARY_MAX_CSV_BYTES)",
            status_code=413,
        )
    imported = await import_roll_csv(db_session, data, source="api")
    await log_roll_import(db_session, imported, actor_role="admin")
    await end_sessions_of_suspended(db_session)
    await db_session.commit()
    return RollImportResult(
        snapshot_id=imported.snapshot_id,
        digest=imported.digest,
        member_count=imported.member_count,
        active_count=imported.active_count,
        created=imported.created,
        updated=imported.updated,
        regions_created=list(imported.regions_created),
        branches_created=list(imported.branches_created),
    )
