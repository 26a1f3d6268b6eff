"""The returning officer's desk: define, open, close, count, certify and publish contests,
watch turnout live, and read the count before publishing it.

Every step is the ``voting.lifecycle`` function the API calls, committed before the page moves
on (post, then redirect, so a reload never repeats a step). Turnout streams as server-sent
events from ``voting.queries.turnout`` over the session cookie (``EventSource`` cannot send a
bearer token); without JavaScript the page shows the figures when loaded. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.petitions.petition_views import reselection_views
from roll.models import Branch, Region
from roll.viewer import viewer_for
from schemas.problems import DomainError
from service.auth import requires_role
from service.deps import DbEngine, DbSession
from service.turnout_feed import turnout_feed
from service.web.contest_form import ContestForm, read_contest_form
from service.web.i18n import translator
from service.web.pages_results import result_context
from service.web.pages_vote import contest_for, form_values
from service.web.params import ContestId, Text
from service.web.render import language_of, page
from service.web.session import signed_in
from voting import lifecycle, queries
from voting.models import Contest

__all__ = ["OFFICER_HANDLERS"]

_RO = requires_role("returning_officer")

_STEPS: dict[str, Callable[..., Awaitable[Contest]]] = {
    "open": lifecycle.open_contest,
    "close": lifecycle.close_contest,
    "count": lifecycle.count_contest_now,
    "publish": lifecycle.publish_contest,
}


async def _scopes(session: AsyncSession) -> list[tuple[str, str]]:
    regions = (await session.execute(select(Region.code, Region.name).order_by(Region.code))).all()
    branches = (await session.execute(select(Branch.code, Branch.name).order_by(Branch.code))).all()
    return [
        *((f"region:{code}", name) for code, name in regions),
        *((f"branch:{code}", name) for code, name in branches),
    ]


@get("/officer", name="web:officer", guards=[_RO])
async def desk(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """Every contest by state, with the next step for each, and every office's selection for
    its next term (scheduled, due or open)."""
    identity = signed_in(request)
    viewer = await viewer_for(db_session, identity.subject, identity.roles)
    contests = await queries.list_contests(db_session, viewer)
    selections = await reselection_views(db_session)
    _ = translator(language_of(request))
    return page(
        request,
        "officer.html",
        title=_("Returning officer"),
        contests=contests,
        selections=selections,
    )


async def _new_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    form: ContestForm | None,
    status: int = 200,
) -> Response[str]:
    _ = translator(language_of(request))
    return page(
        request,
        "officer_new.html",
        status=status,
        title=_("Define a contest"),
        scopes=await _scopes(session),
        values=form.values if form else {"secret": "on", "kind": "motion", "seats": "1"},
        error=form.error if form else None,
        error_values=(form.error_values or {}) if form else {},
    )


@get("/officer/contests/new", name="web:officer-new", guards=[_RO])
async def new_contest(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """The form to define a contest."""
    return await _new_page(request, db_session, None)


@post("/officer/contests", name="web:officer-create", guards=[_RO])
async def create_contest(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Define the contest as a draft, or show the form again saying what to change."""
    form = read_contest_form(await form_values(request))
    if form.definition is None:
        return await _new_page(request, db_session, form, status=400)
    try:
        contest = await lifecycle.create_contest(
            db_session, form.definition, created_by=signed_in(request).subject
        )
    except DomainError as exc:
        await db_session.rollback()
        shown = ContestForm(form.values, None, "{problem}", {"problem": exc.detail})
        return await _new_page(request, db_session, shown, status=exc.status)
    await db_session.commit()
    return Redirect(f"/officer/contests/{contest.id}", status_code=303)


@get("/officer/contests/{contest_id:uuid}", name="web:officer-contest", guards=[_RO])
async def officer_contest(
    request: Request[Any, Any, Any], contest_id: ContestId, db_session: DbSession
) -> Response[str]:
    """One contest: its definition, its turnout, the next step; once counted, the full
    result and transcript to check before certifying and publishing."""
    viewer, contest = await contest_for(request, db_session, contest_id)
    turnout = await queries.turnout(db_session, contest_id, viewer)
    _ = translator(language_of(request))
    context: dict[str, Any] = {"result": None, "table": None, "chart": None}
    if contest.state in ("counted", "published"):
        result = await queries.result_out(db_session, contest_id, viewer)
        context = result_context(result, contest, _)
    return page(
        request,
        "officer_contest.html",
        title=contest.title,
        turnout=turnout,
        **{**context, "contest": contest},
    )


_IRREVERSIBLE = {
    "close": "Close voting",
    "count": "Count the votes",
    "publish": "Certify and publish",
}
"""The steps that cannot be undone, each taken only from its confirmation page."""


@get(
    "/officer/contests/{contest_id:uuid}/{step:str}/confirm",
    name="web:officer-step-confirm",
    guards=[_RO],
)
async def confirm_step(
    request: Request[Any, Any, Any], contest_id: ContestId, step: Text, db_session: DbSession
) -> Response[str]:
    """What closing, counting or publishing will do, with the turnout; nothing changes here."""
    if step not in _IRREVERSIBLE:
        raise NotFoundException(f"no step {step!r} asks for confirmation")
    viewer, contest = await contest_for(request, db_session, contest_id)
    turnout = await queries.turnout(db_session, contest_id, viewer)
    _ = translator(language_of(request))
    return page(
        request,
        "officer_contest_confirm.html",
        title=_(_IRREVERSIBLE[step]),
        contest=contest,
        turnout=turnout,
        step=step,
        step_label=_IRREVERSIBLE[step],
    )


@post("/officer/contests/{contest_id:uuid}/{step:str}", name="web:officer-step", guards=[_RO])
async def step(
    request: Request[Any, Any, Any],
    contest_id: ContestId,
    step: Text,
    db_session: DbSession,
    db_engine: DbEngine,
) -> Redirect:
    """Open, close, count or publish, as the API does (a secret box is vacuumed after its
    close is committed, so no row version keeps a casting transaction)."""
    run = _STEPS.get(step)
    if run is None:
        raise NotFoundException(f"there is no step {step!r}; the steps are {', '.join(_STEPS)}")
    if step in _IRREVERSIBLE and (await request.form()).get("confirmed") != "yes":
        # not from the confirmation page: show it, change nothing
        return Redirect(f"/officer/contests/{contest_id}/{step}/confirm", status_code=303)
    contest = await run(db_session, contest_id, actor="returning_officer")
    secret = contest.secret
    await db_session.commit()
    if step == "close" and secret:
        await lifecycle.vacuum_box(db_engine)
    return Redirect(f"/officer/contests/{contest_id}", status_code=303)


@get("/officer/contests/{contest_id:uuid}/turnout/stream", name="web:officer-turnout", guards=[_RO])
async def turnout_stream(
    request: Request[Any, Any, Any],
    contest_id: ContestId,
    db_session: DbSession,
    db_engine: DbEngine,
) -> ServerSentEvent:
    """One ``turnout`` event a second while the contest is open, then a last one."""
    viewer, _contest = await contest_for(request, db_session, contest_id)
    first = await queries.turnout(db_session, contest_id, viewer)
    feed = turnout_feed(request.app.state, db_engine)
    feed.make_room(viewer.subject)

    async def events() -> AsyncGenerator[ServerSentEventMessage, None]:
        async with feed.watch(first, viewer.subject) as updates:
            async for current in updates:
                yield ServerSentEventMessage(
                    data=msgspec.json.encode(current).decode(), event="turnout"
                )

    return ServerSentEvent(events())


OFFICER_HANDLERS = [
    desk,
    new_contest,
    create_contest,
    officer_contest,
    confirm_step,
    step,
    turnout_stream,
]
