"""The member's pages: home, a contest, the ballot, review, cast and the receipt.

Every step calls the same ``voting`` functions as the API: ``visible_contest`` decides what a
member may see, ``encode_ballot`` (through ``read_ballot``) whether a ballot is valid and
``cast_ballot`` records it, committed before the receipt is shown. The ballot travels
review → cast in the form itself, so nothing about it is stored before the member confirms.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import AssemblyNotFound
from assembly.models import Assembly
from assembly.motions.ballot_paper import ballot_paper
from assembly.motions.views import assembly_out
from roll.viewer import Viewer, viewer_for
from schemas.contests import ContestOut, OptionOut
from service.deps import DbSession
from service.routes.assemblies import visible_assembly
from service.web.ballot_form import RANK_FIELD, BallotForm, read_ballot
from service.web.i18n import translator
from service.web.params import ContestId
from service.web.render import language_of, page
from service.web.session import signed_in
from voting import queries
from voting.casting import cast_ballot
from voting.models import ContestElector

__all__ = ["VOTE_HANDLERS", "ballot_options", "contest_for", "form_values"]


async def contest_for(
    request: Request[Any, Any, Any], session: AsyncSession, contest_id: uuid.UUID
) -> tuple[Viewer, ContestOut]:
    """The signed-in viewer and the contest as they may see it (404 if they may not)."""
    identity = signed_in(request)
    viewer = await viewer_for(session, identity.subject, identity.roles)
    return viewer, await queries.visible_contest(session, contest_id, viewer)


def ballot_options(contest: ContestOut) -> list[OptionOut]:
    """The candidates or options in ballot-paper order."""
    return list(contest.candidates or contest.options or [])


async def form_values(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted form as text fields (the first value of each)."""
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


async def _in_electorate(session: AsyncSession, contest_id: uuid.UUID, viewer: Viewer) -> bool:
    if viewer.member_id is None:
        return False
    found = await session.scalar(
        select(ContestElector.member_id).where(
            ContestElector.contest_id == contest_id, ContestElector.member_id == viewer.member_id
        )
    )
    return found is not None


@get("/home", name="web:home")
async def home(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """The member's home: the votes open to them with their deadlines, the assemblies in their
    scope, and results published."""
    identity = signed_in(request)
    viewer = await viewer_for(db_session, identity.subject, identity.roles)
    contests = await queries.list_contests(db_session, viewer)
    assemblies = []
    for assembly_id in (
        await db_session.scalars(select(Assembly.id).order_by(Assembly.created_at.desc()))
    ).all():
        try:
            assembly = await visible_assembly(request, db_session, assembly_id)
        except AssemblyNotFound:
            continue
        assemblies.append(await assembly_out(db_session, assembly))
    await db_session.commit()
    _ = translator(language_of(request))
    return page(
        request,
        "home.html",
        title=_("Your votes and meetings"),
        open_contests=[c for c in contests if c.state == "open"],
        published=[c for c in contests if c.state == "published"],
        closed=[c for c in contests if c.state in ("closed", "counted")],
        assemblies=assemblies,
        on_roll=viewer.member_id is not None,
    )


async def _ballot_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    contest: ContestOut,
    *,
    form: BallotForm | None,
    in_electorate: bool,
    status: int = 200,
) -> Response[str]:
    return page(
        request,
        "contest.html",
        status=status,
        title=contest.title,
        contest=contest,
        options=ballot_options(contest),
        rank_field=RANK_FIELD,
        values=form.values if form else {},
        errors=form.errors if form else [],
        in_electorate=in_electorate,
        paper=(
            await ballot_paper(session, uuid.UUID(contest.id)) if contest.kind == "motion" else None
        ),
    )


@get("/contests/{contest_id:uuid}", name="web:contest")
async def contest_page(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """A contest: its ballot while it is open to the member, else where it stands."""
    viewer, contest = await contest_for(request, db_session, contest_id)
    return await _ballot_page(
        request,
        db_session,
        contest,
        form=None,
        in_electorate=await _in_electorate(db_session, contest_id, viewer),
    )


@post("/contests/{contest_id:uuid}/ballot", name="web:ballot")
async def change_ballot(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """Back from review to the ballot, filled in as the member left it."""
    viewer, contest = await contest_for(request, db_session, contest_id)
    form = read_ballot(contest.kind, ballot_options(contest), await form_values(request))
    return await _ballot_page(
        request,
        db_session,
        contest,
        form=BallotForm(form.values, [], None, []),
        in_electorate=await _in_electorate(db_session, contest_id, viewer),
    )


@post("/contests/{contest_id:uuid}/review", name="web:review")
async def review(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """Check the ballot and show it back before it is cast; errors go back to the ballot with
    a message next to each box that needs changing."""
    viewer, contest = await contest_for(request, db_session, contest_id)
    form = read_ballot(contest.kind, ballot_options(contest), await form_values(request))
    if not form.valid:
        return await _ballot_page(
            request,
            db_session,
            contest,
            form=form,
            in_electorate=await _in_electorate(db_session, contest_id, viewer),
            status=400,
        )
    _ = translator(language_of(request))
    return page(
        request,
        "review.html",
        title=_("Check your vote"),
        contest=contest,
        form=form,
    )


@post("/contests/{contest_id:uuid}/cast", name="web:cast")
async def cast(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """Cast the reviewed ballot; the receipt is shown once the vote is durably recorded."""
    viewer, contest = await contest_for(request, db_session, contest_id)
    form = read_ballot(contest.kind, ballot_options(contest), await form_values(request))
    if not form.valid or form.ballot is None:
        return await _ballot_page(
            request,
            db_session,
            contest,
            form=form,
            in_electorate=await _in_electorate(db_session, contest_id, viewer),
            status=400,
        )
    caller = signed_in(request)
    receipt = await cast_ballot(db_session, contest_id, caller.subject, form.ballot, caller.roles)
    await db_session.commit()
    _ = translator(language_of(request))
    return page(
        request,
        "receipt.html",
        title=_("Your vote is recorded"),
        contest=contest,
        receipt=receipt,
    )


@post("/contests/{contest_id:uuid}/receipt.txt", name="web:receipt-download")
async def receipt_download(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """The receipt the member just got, as a text file to keep (it is not stored here)."""
    _viewer, contest = await contest_for(request, db_session, contest_id)
    values = await form_values(request)
    token = values.get("receipt", "").strip()
    _ = translator(language_of(request))
    base = f"{request.url.scheme}://{request.url.netloc}"
    body = "\n".join(
        [
            _("Plenary receipt"),
            f"{_('Contest')}: {contest.title}",
            f"{_('Contest id')}: {contest.id}",
            f"{_('Receipt')}: {token}",
            _(
                "Check it once the result is published: {address}",
                address=f"{base}/contests/{contest.id}/check",
            ),
            "",
        ]
    )
    return Response(
        body,
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{contest.id}.txt"',
            "Cache-Control": "no-store",
        },
    )


VOTE_HANDLERS = [home, contest_page, change_ballot, review, cast, receipt_download]
