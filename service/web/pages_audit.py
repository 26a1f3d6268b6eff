"""The auditor's page: the log's latest signed checkpoint and key, each published contest's
bundle, and the exact commands to check them offline, trusting nothing this server says.

The bundle is ``voting.bundle.build_bundle``, the same document ``GET /api/v1/contests/{id}/
bundle`` serves, here over the session cookie so a browser can download it.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from audit.store_checkpoints import latest_checkpoint
from roll.viewer import viewer_for
from schemas.bundle import Bundle
from schemas.problems import DomainError
from service.checkpointer import Checkpointer
from service.deps import DbSession
from service.web.i18n import translator
from service.web.pages_vote import contest_for
from service.web.params import ContestId
from service.web.render import language_of, page
from service.web.session import signed_in
from voting import queries
from voting.bundle import build_bundle, contest_blt

__all__ = ["AUDIT_HANDLERS"]


def _checkpointer(request: Request[Any, Any, Any]) -> Checkpointer:
    checkpointer: Checkpointer | None = getattr(request.app.state, "audit_log", None)
    if checkpointer is None:
        raise DomainError("the log's signer is not running yet; try again shortly", status=503)
    return checkpointer


@get("/audit", name="web:audit")
async def audit_page(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """The checkpoint, the key and the bundles, with the commands that check them."""
    identity = signed_in(request)
    viewer = await viewer_for(db_session, identity.subject, identity.roles)
    published = await queries.list_contests(db_session, viewer, state="published")
    checkpoint = await latest_checkpoint(db_session)
    _ = translator(language_of(request))
    return page(
        request,
        "audit.html",
        title=_("Audit"),
        checkpoint=checkpoint.note if checkpoint else None,
        key=_checkpointer(request).key.verifier_key,
        base=f"{request.url.scheme}://{request.url.netloc}",
        published=published,
    )


@get("/contests/{contest_id:uuid}/bundle.json", name="web:bundle")
async def bundle(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[Bundle]:
    """The published contest's audit bundle, as a file to download."""
    viewer, _contest = await contest_for(request, db_session, contest_id)
    checkpointer = _checkpointer(request)
    document = await build_bundle(
        db_session, contest_id, viewer, signer=checkpointer.key.signer, origin=checkpointer.origin
    )
    return Response(
        document,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="bundle-{contest_id}.json"'},
    )


@get("/contests/{contest_id:uuid}/ballots.blt", name="web:blt")
async def blt(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """The published ranked ballots as a BLT file, to recount with any STV program."""
    viewer, _contest = await contest_for(request, db_session, contest_id)
    return Response(
        await contest_blt(db_session, contest_id, viewer),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ballots-{contest_id}.blt"'},
    )


AUDIT_HANDLERS = [audit_page, bundle, blt]
