"""Results and receipt checks: the outcome and figures, the STV stages, and "is my vote in?".

The result comes from ``voting.queries.result_out`` (published to everyone, counted to the
returning officer), the proof from ``voting.queries.prove_receipt``. The check page verifies the
proof in the browser (``static/receipt.js``: SHA-256 with WebCrypto, then the RFC 6962
inclusion check against the box commitment printed on the page), sending the server only the
receipt's hash; without JavaScript the form sends the receipt and the server checks it with
``voting.box.check_receipt_proof`` and says so. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from audit.errors import AuditError
from schemas.contests import ContestOut, ReceiptProof, ResultOut
from schemas.problems import DomainError
from service.deps import DbSession
from service.web.chart import stage_chart_svg, stage_table
from service.web.i18n import N_, Translate, translator
from service.web.pages_vote import contest_for, form_values
from service.web.params import ContestId, Text
from service.web.render import language_of, page
from voting import queries
from voting.box import check_receipt_proof, receipt_hash, token_bytes

__all__ = ["RESULT_HANDLERS", "result_context"]


def result_context(result: ResultOut, contest: ContestOut, _: Translate) -> dict[str, Any]:
    """What the result templates show: figures, and for ranked counts the table and chart."""
    transcript = result.transcript
    return {
        "result": result,
        "contest": contest,
        "table": stage_table(transcript) if transcript else None,
        "chart": Markup(stage_chart_svg(transcript, _)) if transcript else None,  # noqa: S704 - built from escaped text
    }


@get("/contests/{contest_id:uuid}/results", name="web:results")
async def results(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """The outcome and figures; for ranked contests every stage, as a table and a chart."""
    viewer, contest = await contest_for(request, db_session, contest_id)
    result = await queries.result_out(db_session, contest_id, viewer)
    _ = translator(language_of(request))
    return page(
        request,
        "results.html",
        title=_("Result: {title}", title=contest.title),
        **result_context(result, contest, _),
    )


def _check_page(
    request: Request[Any, Any, Any],
    contest: ContestOut,
    *,
    answer: dict[str, Any] | None = None,
    receipt: str = "",
    status: int = 200,
) -> Response[str]:
    _ = translator(language_of(request))
    return page(
        request,
        "check.html",
        status=status,
        title=_("Check your receipt"),
        contest=contest,
        answer=answer,
        receipt=receipt,
    )


@get("/contests/{contest_id:uuid}/check", name="web:check")
async def check_form(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """The form to check a receipt against the closed box."""
    _viewer, contest = await contest_for(request, db_session, contest_id)
    return _check_page(request, contest)


async def _server_check(
    session: AsyncSession, contest: ContestOut, receipt: str
) -> tuple[dict[str, Any], int]:
    try:
        raw = token_bytes(receipt)
    except ValueError:
        return {"ok": False, "message": N_("That is not a receipt: copy all of it, exactly.")}, 400
    digest = receipt_hash(uuid.UUID(contest.id), raw)
    try:
        proof = await queries.prove_receipt(session, uuid.UUID(contest.id), digest.hex())
    except DomainError as exc:
        if exc.status == 404:
            return {"ok": False, "message": N_("That receipt is not in this contest's box.")}, 404
        return {"ok": False, "message": N_("Receipts can be checked once voting has closed.")}, 409
    try:
        check_receipt_proof(
            digest,
            proof.index,
            proof.size,
            [bytes.fromhex(h) for h in proof.proof],
            bytes.fromhex(proof.receipts_root),
        )
    except AuditError:
        return {"ok": False, "message": N_("The proof the server gave does not hold.")}, 500
    return {
        "ok": True,
        "message": N_("Your vote is in the counted box."),
        "proof": proof,
    }, 200


@post("/contests/{contest_id:uuid}/check", name="web:check-post")
async def check_post(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """Without JavaScript: the server checks the receipt and says what it found."""
    _viewer, contest = await contest_for(request, db_session, contest_id)
    receipt = (await form_values(request)).get("receipt", "").strip()
    answer, status = await _server_check(db_session, contest, receipt)
    return _check_page(request, contest, answer=answer, receipt=receipt, status=status)


@get("/contests/{contest_id:uuid}/proof/{receipt_hash:str}", name="web:proof")
async def proof(
    request: Request[Any, Any, Any],
    contest_id: ContestId,
    receipt_hash: Text,
    db_session: DbSession,
) -> ReceiptProof:
    """The inclusion proof for a receipt hash, for the page's script to check itself."""
    await contest_for(request, db_session, contest_id)
    return await queries.prove_receipt(db_session, contest_id, receipt_hash)


RESULT_HANDLERS = [results, check_form, check_post, proof]
