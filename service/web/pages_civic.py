"""Taking part beyond voting: recall petitions (sign, withdraw, progress to the threshold),
nominations for elections (nominate, support, accept with a statement, withdraw) and pools
for selection by lot (volunteer, leave).

Each page and form calls the ``assembly`` function its API route calls (``service.routes.
petitions``, ``elections`` and ``sortition``), committed before the page moves on; who may do
what is decided there. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections import elections, nominations
from assembly.elections.election_models import Election
from assembly.elections.election_views import election_out, nomination_out, nominations_of
from assembly.petitions import petitions
from assembly.petitions.petition_views import petition_out
from assembly.petitions.recall_models import RecallPetition
from assembly.sortition import sortition
from assembly.sortition.sortition_models import Sortition
from assembly.sortition.sortition_views import sortition_out
from roll.members import member_id_of
from schemas.elections import NominationCreate
from schemas.problems import DomainError
from service.deps import DbSession
from service.web.i18n import translator
from service.web.pages_vote import form_values
from service.web.params import Text
from service.web.render import language_of, page
from service.web.session import signed_in

__all__ = ["CIVIC_HANDLERS"]

ObjectId = Annotated[uuid.UUID, PathParameter(description="the petition, election or draw")]


async def _member_id(request: Request[Any, Any, Any], session: AsyncSession) -> int | None:
    return await member_id_of(session, signed_in(request).subject)


def _back(path: str) -> Redirect:
    return Redirect(path, status_code=303)


@get("/take-part", name="web:take-part")
async def take_part(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """Petitions, elections taking nominations and pools for selection by lot."""
    member = await _member_id(request, db_session)
    petition_rows = [
        await petitions.load_petition(db_session, i)
        for i in (
            await db_session.scalars(
                select(RecallPetition.id).order_by(RecallPetition.opened_at.desc())
            )
        ).all()
    ]
    election_rows = [
        await elections.load_election(db_session, i)
        for i in (
            await db_session.scalars(select(Election.id).order_by(Election.created_at.desc()))
        ).all()
    ]
    draws = (
        await db_session.scalars(select(Sortition).order_by(Sortition.created_at.desc()))
    ).all()
    _ = translator(language_of(request))
    return page(
        request,
        "take_part.html",
        title=_("Take part"),
        petitions=[await petition_out(db_session, p, member) for p in petition_rows],
        elections=[await election_out(db_session, e) for e in election_rows],
        draws=[await sortition_out(db_session, s, member) for s in draws],
    )


@get("/petitions/{petition_id:uuid}", name="web:petition")
async def petition_page(
    request: Request[Any, Any, Any], petition_id: ObjectId, db_session: DbSession
) -> Response[str]:
    """A recall petition: its reason, its progress towards the threshold, sign or withdraw."""
    petition = await petitions.load_petition(db_session, petition_id)
    shown = await petition_out(db_session, petition, await _member_id(request, db_session))
    _ = translator(language_of(request))
    return page(request, "petition.html", title=_("Recall petition"), petition=shown, receipt=None)


@post("/petitions/{petition_id:uuid}/{action:str}", name="web:petition-action")
async def petition_action(
    request: Request[Any, Any, Any], petition_id: ObjectId, action: Text, db_session: DbSession
) -> Response[Any]:
    """Sign (the receipt is shown once) or withdraw one's signature."""
    subject = signed_in(request).subject
    if action == "sign":
        receipt = await petitions.sign_petition(db_session, petition_id, subject=subject)
        await db_session.commit()
        petition = await petitions.load_petition(db_session, petition_id)
        shown = await petition_out(db_session, petition, await _member_id(request, db_session))
        _ = translator(language_of(request))
        return page(
            request, "petition.html", title=_("Recall petition"), petition=shown, receipt=receipt
        )
    if action == "withdraw":
        await petitions.withdraw_signature(db_session, petition_id, subject=subject)
        await db_session.commit()
        return _back(f"/petitions/{petition_id}")
    raise NotFoundException(f"there is no action {action!r} on a petition")


@get("/elections/{election_id:uuid}", name="web:election")
async def election_page(
    request: Request[Any, Any, Any], election_id: ObjectId, db_session: DbSession
) -> Response[str]:
    """An election: its posts, each nomination's support against the rules, and the forms to
    nominate, support, accept or withdraw."""
    election = await elections.load_election(db_session, election_id)
    shown = await election_out(db_session, election)
    return page(
        request,
        "election.html",
        title=shown.title,
        election=shown,
        nominations=await nominations_of(db_session, election.id),
        me=signed_in(request).subject,
    )


@post("/elections/{election_id:uuid}/nominate", name="web:nominate")
async def nominate(
    request: Request[Any, Any, Any], election_id: ObjectId, db_session: DbSession
) -> Redirect:
    """Nominate a member (a membership number) for a post."""
    form = await form_values(request)
    post_number = form.get("post", "").strip()
    if not post_number.isdigit():
        raise DomainError("choose the post to nominate for", status=400)
    body = NominationCreate(post=int(post_number), candidate=form.get("candidate", "").strip())
    if not body.candidate:
        raise DomainError("give the membership number of the member you nominate", status=400)
    await nominations.nominate(db_session, election_id, body, subject=signed_in(request).subject)
    await db_session.commit()
    return _back(f"/elections/{election_id}")


@post("/nominations/{nomination_id:uuid}/{action:str}", name="web:nomination-action")
async def nomination_action(
    request: Request[Any, Any, Any], nomination_id: ObjectId, action: Text, db_session: DbSession
) -> Redirect:
    """Support a nomination; the candidate accepts it with a statement, or withdraws."""
    subject = signed_in(request).subject
    if action == "support":
        found = await nominations.support(db_session, nomination_id, subject=subject)
    elif action == "accept":
        statement = (await form_values(request)).get("statement", "").strip()
        if not statement:
            raise DomainError("write a statement for the members to read", status=400)
        found = await nominations.accept_nomination(
            db_session, nomination_id, statement, subject=subject
        )
    elif action == "withdraw":
        found = await nominations.withdraw_nomination(db_session, nomination_id, subject=subject)
    else:
        raise NotFoundException(f"there is no action {action!r} on a nomination")
    shown = await nomination_out(db_session, found)
    await db_session.commit()
    return _back(f"/elections/{shown.election}")


@get("/sortitions/{sortition_id:uuid}", name="web:sortition")
async def sortition_page(
    request: Request[Any, Any, Any], sortition_id: ObjectId, db_session: DbSession
) -> Response[str]:
    """A draw by lot: the pool, the seats and quotas, volunteer or leave, a volunteer's
    receipt (ticket and salt, to check their entry); the panel once drawn."""
    found = await sortition.load_sortition(db_session, sortition_id)
    shown = await sortition_out(db_session, found, await _member_id(request, db_session))
    receipt = await sortition.receipt_of(db_session, sortition_id, signed_in(request).subject)
    return page(request, "sortition.html", title=shown.title, draw=shown, receipt=receipt)


@post("/sortitions/{sortition_id:uuid}/{action:str}", name="web:sortition-action")
async def sortition_action(
    request: Request[Any, Any, Any], sortition_id: ObjectId, action: Text, db_session: DbSession
) -> Redirect:
    """Volunteer for the pool, or leave it, while it is open."""
    subject = signed_in(request).subject
    if action == "volunteer":
        await sortition.volunteer(db_session, sortition_id, subject=subject)
    elif action == "leave":
        await sortition.withdraw_volunteer(db_session, sortition_id, subject=subject)
    else:
        raise NotFoundException(f"there is no action {action!r} on a draw")
    await db_session.commit()
    return _back(f"/sortitions/{sortition_id}")


CIVIC_HANDLERS = [
    take_part,
    petition_page,
    petition_action,
    election_page,
    nominate,
    nomination_action,
    sortition_page,
    sortition_action,
]
