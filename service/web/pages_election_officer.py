"""The returning officer's side of an election with nominations: set it up (window in the
organisation's time zone, supporters needed), follow the nominations, then close them, open
the ballots and declare, each after a page that summarises what will happen.

Each form calls the ``assembly`` function the API route calls (``service.routes.elections``)
and commits before the page moves on.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections import election_ballots, elections
from assembly.elections.election_models import Election
from assembly.elections.election_views import election_out, nominations_of
from service.auth import requires_role
from service.deps import DbSession
from service.web.election_form import offset_text, read_election_form
from service.web.i18n import N_, translator
from service.web.pages_officer import _scopes
from service.web.pages_vote import form_values
from service.web.params import Text
from service.web.render import language_of, page
from service.web.session import signed_in

__all__ = ["ELECTION_OFFICER_HANDLERS"]

ElectionId = Annotated[uuid.UUID, PathParameter(description="the election")]
_RO = requires_role("returning_officer")


async def _close(session: AsyncSession, election_id: uuid.UUID, subject: str) -> Election:
    return await elections.close_nominations(session, election_id)


async def _open(session: AsyncSession, election_id: uuid.UUID, subject: str) -> Election:
    return await election_ballots.open_ballots(session, election_id, created_by=subject)


async def _declare(session: AsyncSession, election_id: uuid.UUID, subject: str) -> Election:
    return await election_ballots.declare_election(session, election_id, created_by=subject)


_STEPS: dict[str, tuple[str, Callable[[AsyncSession, uuid.UUID, str], Awaitable[Election]]]] = {
    "close-nominations": (N_("Close nominations"), _close),
    "open-ballots": (N_("Open the ballots"), _open),
    "declare": (N_("Declare the results"), _declare),
}


async def _form_page(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    values: dict[str, str],
    errors: list[Any],
    status: int = 200,
) -> Response[str]:
    _ = translator(language_of(request))
    return page(
        request,
        "officer_election_new.html",
        status=status,
        title=_("Set up an election"),
        values=values,
        errors=errors,
        scopes=await _scopes(session),
        offset=offset_text(),
    )


@get("/officer/elections/new", name="web:officer-election-new", guards=[_RO])
async def new_election(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """The form: title, post, seats, who votes, the nominations window and support needed."""
    defaults = {"seats": "1", "supporting_members": "2", "supporting_branches": "0"}
    return await _form_page(request, db_session, defaults, [])


@post("/officer/elections", name="web:officer-election-create", guards=[_RO])
async def create_election(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Every problem at once, nothing saved; else the election, nominations open."""
    values = await form_values(request)
    read = read_election_form(values)
    if read.election is None:
        return await _form_page(request, db_session, dict(values), read.errors, status=400)
    made = await elections.create_election(
        db_session, read.election, created_by=signed_in(request).subject
    )
    await db_session.commit()
    return Redirect(f"/officer/elections/{made.id}", status_code=303)


@get("/officer/elections/{election_id:uuid}", name="web:officer-election", guards=[_RO])
async def officer_election(
    request: Request[Any, Any, Any], election_id: ElectionId, db_session: DbSession
) -> Response[str]:
    """The nominations so far and the next step."""
    shown = await election_out(db_session, await elections.load_election(db_session, election_id))
    return page(
        request,
        "officer_election.html",
        title=shown.title,
        election=shown,
        nominations=await nominations_of(db_session, election_id),
        offset=offset_text(),
    )


@get(
    "/officer/elections/{election_id:uuid}/{step:str}/confirm",
    name="web:officer-election-confirm",
    guards=[_RO],
)
async def confirm_step(
    request: Request[Any, Any, Any], election_id: ElectionId, step: Text, db_session: DbSession
) -> Response[str]:
    """What the step will do, and who stands; nothing changes until confirmed."""
    if step not in _STEPS:
        raise NotFoundException(f"there is no step {step!r} on an election")
    shown = await election_out(db_session, await elections.load_election(db_session, election_id))
    _ = translator(language_of(request))
    return page(
        request,
        "officer_election_confirm.html",
        title=_(_STEPS[step][0]),
        election=shown,
        nominations=await nominations_of(db_session, election_id),
        step=step,
        step_label=_STEPS[step][0],
    )


@post(
    "/officer/elections/{election_id:uuid}/{step:str}",
    name="web:officer-election-step",
    guards=[_RO],
)
async def election_step(
    request: Request[Any, Any, Any], election_id: ElectionId, step: Text, db_session: DbSession
) -> Redirect:
    """Take the confirmed step; a refusal is an error page and nothing changes."""
    if step not in _STEPS:
        raise NotFoundException(f"there is no step {step!r} on an election")
    await _STEPS[step][1](db_session, election_id, signed_in(request).subject)
    await db_session.commit()
    return Redirect(f"/officer/elections/{election_id}", status_code=303)


ELECTION_OFFICER_HANDLERS = [
    new_election,
    create_election,
    officer_election,
    confirm_step,
    election_step,
]
