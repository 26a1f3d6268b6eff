"""Assemblies in the browser: members read motions line by line, see each amendment as a
diff, submit and second; the chair admits, rules out, composites, orders the business and
runs the votes on a motion and its amendments.

Every action is the ``assembly`` function the API calls (``service.routes.assemblies`` and
``service.routes.motions``), with the same checks of who may act: ``visible_assembly`` for
members, ``require_chair`` (a chair grant on the assembly) for the chair, both in
``assembly.meetings.guards``. Each form posts, the change is committed, and the page
redirects back to where the person was. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings import agenda as agenda_of
from assembly.meetings.assemblies import load_assembly, move_assembly
from assembly.meetings.guards import is_chair
from assembly.meetings.timetable import next_state
from assembly.models import Assembly, Motion
from assembly.motions import amendments, motion_votes, motions
from assembly.motions.composites import composite_motions
from assembly.motions.seconding_offer import seconding_offer
from assembly.motions.views import assembly_out, motion_out, vote_out
from roll.grants import RoleGrant
from schemas.assemblies import AmendmentCreate, CompositeCreate, HandCountIn, MotionCreate
from schemas.problems import DomainError
from service.deps import DbSession
from service.routes.assemblies import require_chair, visible_assembly
from service.web.i18n import translator
from service.web.pages_vote import form_values
from service.web.params import AmendmentId, AssemblyId, MotionId, Text
from service.web.render import language_of, page
from service.web.session import signed_in

__all__ = ["ASSEMBLY_HANDLERS"]


def _paragraphs(text: str) -> list[str]:
    """One paragraph (numbered line) per non-empty line of the text box."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _convert(body: dict[str, Any], kind: type[Any]) -> Any:
    try:
        return msgspec.convert(body, kind)
    except msgspec.ValidationError as exc:
        raise DomainError(f"that form is not complete: {exc}", status=400) from None


async def _is_chair(
    request: Request[Any, Any, Any], session: AsyncSession, assembly_id: uuid.UUID
) -> bool:
    return await is_chair(session, signed_in(request).subject, assembly_id)


@get("/chair", name="web:chair")
async def chair_desk(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """The assemblies the signed-in person chairs."""
    subject = signed_in(request).subject
    ids = (
        await db_session.scalars(
            select(RoleGrant.object_id).where(
                RoleGrant.subject == subject,
                RoleGrant.role == "chair",
                RoleGrant.object_kind == "assembly",
            )
        )
    ).all()
    chaired = []
    for assembly_id in ids:
        chaired.append(
            await assembly_out(db_session, await load_assembly(db_session, uuid.UUID(assembly_id)))
        )
    _ = translator(language_of(request))
    return page(request, "chair.html", title=_("Chair"), assemblies=chaired)


@get("/assemblies/{assembly_id:uuid}", name="web:assembly")
async def assembly_page(
    request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
) -> Response[str]:
    """An assembly: its timetable and motions; for its chair, the controls to run it."""
    assembly = await visible_assembly(request, db_session, assembly_id)
    await db_session.commit()
    rows = await db_session.scalars(
        select(Motion).where(Motion.assembly_id == assembly.id).order_by(Motion.number)
    )
    shown = [await motion_out(db_session, m, assembly, amendments=False) for m in rows.all()]
    business = await agenda_of.agenda(db_session, assembly.id)
    by_id = {m.id: m for m in shown}
    return page(
        request,
        "assembly.html",
        title=assembly.title,
        assembly=await assembly_out(db_session, assembly),
        motions=shown,
        agenda=[by_id[str(b.id)] for b in business if str(b.id) in by_id],
        next_state=next_state(assembly.state),
        chair=await _is_chair(request, db_session, assembly.id),
    )


async def _motion(
    request: Request[Any, Any, Any], session: AsyncSession, motion_id: uuid.UUID
) -> tuple[Motion, Assembly]:
    motion = await motions.load_motion(session, motion_id)
    assembly = await visible_assembly(request, session, motion.assembly_id)
    return motion, assembly


@get("/motions/{motion_id:uuid}", name="web:motion")
async def motion_page(
    request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
) -> Response[str]:
    """A motion's numbered lines, each amendment as a diff, the seconding, the votes."""
    motion, assembly = await _motion(request, db_session, motion_id)
    await db_session.commit()
    shown = await motion_out(db_session, motion, assembly)
    return page(
        request,
        "motion.html",
        title=shown.title,
        motion=shown,
        assembly=await assembly_out(db_session, assembly),
        vote=await vote_out(db_session, motion),
        chair=await _is_chair(request, db_session, assembly.id),
        seconding=await seconding_offer(db_session, motion, signed_in(request).subject),
    )


def _back(path: str) -> Redirect:
    return Redirect(path, status_code=303)


@post("/assemblies/{assembly_id:uuid}/motions", name="web:submit-motion")
async def submit_motion(
    request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
) -> Redirect:
    """A member submits a motion: a title, a category and one paragraph per line."""
    await visible_assembly(request, db_session, assembly_id)
    form = await form_values(request)
    body = _convert(
        {
            "title": form.get("title", "").strip(),
            "category": form.get("category", "policy"),
            "paragraphs": _paragraphs(form.get("text", "")),
            "on_behalf_of_branch": form.get("on_behalf_of_branch") == "on",
        },
        MotionCreate,
    )
    motion = await motions.submit_motion(
        db_session, assembly_id, body, subject=signed_in(request).subject
    )
    await db_session.commit()
    return _back(f"/motions/{motion.id}")


@post("/assemblies/{assembly_id:uuid}/state", name="web:assembly-state")
async def move(
    request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
) -> Redirect:
    """The chair moves the assembly to its next state."""
    await require_chair(request, db_session, assembly_id)
    await move_assembly(db_session, assembly_id, (await form_values(request)).get("to", ""))
    await db_session.commit()
    return _back(f"/assemblies/{assembly_id}")


@post("/assemblies/{assembly_id:uuid}/agenda", name="web:agenda")
async def set_agenda(
    request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
) -> Redirect:
    """The chair numbers the admitted motions in the order of business."""
    await require_chair(request, db_session, assembly_id)
    form = await form_values(request)
    numbered: list[tuple[int, str]] = []
    for key, value in form.items():
        if key.startswith("position-") and value.strip():
            if not value.strip().isdigit():
                raise DomainError("number the motions 1, 2, 3 … in the order of business")
            numbered.append((int(value), key.removeprefix("position-")))
    order = agenda_of.order_of_business(numbered)
    await agenda_of.set_agenda(db_session, assembly_id, order)
    await db_session.commit()
    return _back(f"/assemblies/{assembly_id}")


@post("/assemblies/{assembly_id:uuid}/composites", name="web:composite")
async def composite(
    request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
) -> Redirect:
    """The chair composites the ticked motions into one, with the text given."""
    await require_chair(request, db_session, assembly_id)
    form = await request.form()
    body = _convert(
        {
            "title": str(form.get("title") or "").strip(),
            "paragraphs": _paragraphs(str(form.get("text") or "")),
            "sources": [str(s) for s in form.getall("sources", [])],
        },
        CompositeCreate,
    )
    motion = await composite_motions(db_session, assembly_id, body)
    await db_session.commit()
    return _back(f"/motions/{motion.id}")


def _hand_count(form: dict[str, str]) -> HandCountIn | None:
    """The tellers' figures from the chair's form, if it sent them."""
    if "for" not in form:
        return None
    figures = {k: form.get(k, "").strip() or "0" for k in ("for", "against", "abstain")}
    if not all(v.isdigit() for v in figures.values()):
        raise DomainError("give the tellers' figures as whole numbers", status=400)
    counted: HandCountIn = _convert(
        {
            **{k: int(v) for k, v in figures.items()},
            "tellers": _paragraphs(form.get("tellers", "")),
        },
        HandCountIn,
    )
    return counted


_MEMBER_ACTIONS: dict[str, Callable[..., Awaitable[Any]]] = {
    "second": motions.second_motion,
    "unsecond": motions.withdraw_seconding,
    "withdraw": motions.withdraw_motion,
}


@post("/motions/{motion_id:uuid}/{action:str}", name="web:motion-action")
async def motion_action(
    request: Request[Any, Any, Any], motion_id: MotionId, action: Text, db_session: DbSession
) -> Redirect:
    """Second, withdraw a seconding or withdraw one's motion (members); admit, rule out,
    remit, or start, advance or pause the votes (the chair)."""
    motion, assembly = await _motion(request, db_session, motion_id)
    if action in _MEMBER_ACTIONS:
        await _MEMBER_ACTIONS[action](db_session, motion_id, subject=signed_in(request).subject)
    elif action in ("admit", "rule-out", "remit", "vote-start", "vote-next", "vote-close"):
        subject = await require_chair(request, db_session, assembly.id)
        if action == "admit":
            await motions.admit_motion(db_session, motion_id)
        elif action == "remit":
            await motions.remit_motion(db_session, motion_id)
        elif action == "rule-out":
            reason = (await form_values(request)).get("reason", "").strip()
            if not reason:
                raise DomainError("give the reason for ruling it out; it is published", status=400)
            await motions.rule_out_motion(db_session, motion_id, reason)
        elif action == "vote-start":
            form = await form_values(request)
            await motion_votes.start_vote(
                db_session, motion_id, created_by=subject, method=form.get("method") or None
            )
        else:
            form = await form_values(request)
            step = form.get("step", "").strip()
            if not step.isdigit():
                raise DomainError("that form is out of date: reload the page", status=400)
            await motion_votes.advance_vote(
                db_session,
                motion_id,
                created_by=subject,
                step=int(step),
                open_next=action == "vote-next",
                method=form.get("method") or None,
                hand_count=_hand_count(form),
            )
    else:
        raise NotFoundException(f"there is no action {action!r} on a motion")
    await db_session.commit()
    return _back(f"/motions/{motion.id}")


@post("/motions/{motion_id:uuid}/amendments", name="web:amend")
async def amend(
    request: Request[Any, Any, Any], motion_id: MotionId, db_session: DbSession
) -> Redirect:
    """A member amends lines of the motion: delete, replace, or insert after a line."""
    await _motion(request, db_session, motion_id)
    form = await form_values(request)
    start, end = form.get("start", "").strip(), form.get("end", "").strip()
    if not start.isdigit() or (end and not end.isdigit()):
        raise DomainError("give the line numbers as whole numbers", status=400)
    body = _convert(
        {
            "action": form.get("action", ""),
            "start": int(start),
            "end": int(end) if end else None,
            "paragraphs": _paragraphs(form.get("text", "")),
        },
        AmendmentCreate,
    )
    await amendments.submit_amendment(
        db_session, motion_id, body, subject=signed_in(request).subject
    )
    await db_session.commit()
    return _back(f"/motions/{motion_id}")


@post(
    "/motions/{motion_id:uuid}/amendments/{amendment_id:uuid}/{action:str}",
    name="web:amendment-action",
)
async def amendment_action(
    request: Request[Any, Any, Any],
    motion_id: MotionId,
    amendment_id: AmendmentId,
    action: Text,
    db_session: DbSession,
) -> Redirect:
    """Second or withdraw an amendment (members); admit or rule it out (the chair)."""
    _motion_row, assembly = await _motion(request, db_session, motion_id)
    amendment = await amendments.load_amendment(db_session, amendment_id)
    if amendment.motion_id != motion_id:
        raise NotFoundException(f"motion {motion_id} has no amendment {amendment_id}")
    subject = signed_in(request).subject
    if action == "second":
        await amendments.second_amendment(db_session, amendment_id, subject=subject)
    elif action == "withdraw":
        await amendments.withdraw_amendment(db_session, amendment_id, subject=subject)
    elif action == "admit":
        chair = await require_chair(request, db_session, assembly.id)
        await amendments.admit_amendment(db_session, amendment_id, chair=chair)
    elif action == "rule-out":
        chair = await require_chair(request, db_session, assembly.id)
        reason = (await form_values(request)).get("reason", "").strip()
        if not reason:
            raise DomainError("give the reason for ruling it out; it is published", status=400)
        await amendments.rule_out_amendment(db_session, amendment_id, reason, chair=chair)
    else:
        raise NotFoundException(f"there is no action {action!r} on an amendment")
    await db_session.commit()
    return _back(f"/motions/{motion_id}#amendment-{amendment_id}")


ASSEMBLY_HANDLERS = [
    chair_desk,
    assembly_page,
    motion_page,
    submit_motion,
    move,
    set_agenda,
    composite,
    motion_action,
    amend,
    amendment_action,
]
