"""Offices and their holders: recorded by an administrator or filled by an election, made
vacant by a recall that passes, and offered again in a by-election when the rules say so.

An office's scope is its constituency: the members who elected the holder and who may petition
to recall them. Every change is logged with the office's id (never the holder: who holds an
office is public on the office itself, not in the log). See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_models import Election
from assembly.elections.elections import create_election
from assembly.elections.representation import counted_as, rule_text, vacancy_rules
from assembly.petitions.recall_models import Office
from assembly.petitions.recall_rules import RecallRules
from audit.store import append_event
from roll.candidates import candidate_facts
from roll.eligibility import known_scope
from roll.members import member_place
from schemas.elections import ElectionCreate, PostIn, RepresentationIn
from schemas.moments import now
from schemas.petitions import OfficeCreate
from schemas.problems import DomainError

__all__ = [
    "OfficeNotFound",
    "create_office",
    "fill_office",
    "load_office",
    "open_office",
    "vacate_office",
]


class OfficeNotFound(DomainError):
    status = 404
    title = "No such office"


async def load_office(session: AsyncSession, office_id: uuid.UUID, *, lock: bool = False) -> Office:
    """The office, optionally locked; ``OfficeNotFound`` if there is none."""
    query = select(Office).where(Office.id == office_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    office = await session.scalar(query)
    if office is None:
        raise OfficeNotFound(f"there is no office {office_id}")
    return office


async def open_office(
    session: AsyncSession,
    *,
    title: str,
    kind: str,
    scope: str,
    holder_member_id: int,
    recall_rules: dict[str, object],
    created_by: str,
    actor: str,
    subjects: dict[str, str] | None = None,
    filled_under: dict[str, Any] | None = None,
) -> Office:
    """Store a held office and log it; ``filled_under`` keeps the representation rules an
    election filled it under. Caller commits. Cost: one insert, one log append."""
    office = Office(
        id=uuid.uuid4(),
        title=title[:300],
        kind=kind,
        scope=scope,
        state="held",
        holder_member_id=holder_member_id,
        recall_rules=recall_rules,
        filled_under=filled_under,
        created_by=created_by,
    )
    session.add(office)
    await session.flush()
    await append_event(
        session,
        "office.created",
        actor=actor,
        subjects={"office": str(office.id), **(subjects or {})},
        facts={"kind": kind, "scope": scope},
    )
    return office


async def create_office(session: AsyncSession, body: OfficeCreate, *, created_by: str) -> Office:
    """An administrator records an office held by an active member of its scope (a branch
    officer, a councillor the branch selected). Caller commits."""
    scope = await known_scope(session, body.scope)
    rules = RecallRules.from_request(body.recall_rules)
    holder = await member_place(session, body.holder)
    if holder is None:
        raise DomainError(f"{body.holder} is not on the member roll", title="Unknown holder")
    if holder.status != "active":
        raise DomainError(f"{body.holder} cannot hold office: their membership is {holder.status}")
    if body.term_ends_at is not None and body.term_ends_at.tzinfo is None:
        raise DomainError("term_ends_at needs a time zone, e.g. 2027-06-01T00:00:00Z")
    if body.term_ends_at is not None and body.term_days is None:
        raise DomainError("give term_days, the length of each term, with term_ends_at")
    ends = None
    if body.term_days is not None:
        ends = body.term_ends_at or now() + dt.timedelta(days=body.term_days)
        if ends - dt.timedelta(days=body.reselection_days) <= now():
            raise DomainError(
                f"the term ends {ends.date()}, less than reselection_days "
                f"({body.reselection_days}) from now: there would be no time for a selection"
            )
    office = await open_office(
        session,
        title=body.title,
        kind=body.kind,
        scope=str(scope),
        holder_member_id=holder.member_id,
        recall_rules=rules.to_dict(),
        created_by=created_by,
        actor="admin",
    )
    if ends is not None:
        office.term_days, office.term_ends_at = body.term_days, ends
        office.reselection_days = body.reselection_days
    return office


async def fill_office(
    session: AsyncSession, office_id: uuid.UUID, member_id: int, *, election_id: uuid.UUID
) -> Office:
    """A by-election's winner takes the vacant office, or a reselection's winner the office
    for its next term. Caller commits."""
    office = await load_office(session, office_id, lock=True)
    reselected = office.reselection_election_id == election_id
    if office.state != "vacant" and not reselected:
        raise DomainError(f"office {office.id} is not vacant", status=409)
    if reselected and office.term_ends_at is not None and office.term_days:
        office.term_ends_at = office.term_ends_at + dt.timedelta(days=office.term_days)
    if reselected:
        office.reselection_election_id = None
    office.holder_member_id = member_id
    office.state = "held"
    await append_event(
        session,
        "office.filled",
        actor="returning_officer",
        subjects={"office": str(office.id), "election": str(election_id)},
    )
    return office


async def _rules_still_holding(
    session: AsyncSession, office: Office
) -> tuple[list[RepresentationIn], dict[str, dict[str, list[str]]], str | None]:
    """The by-election rules that keep the rules the office was filled under holding, given
    the other holders of the same post's seats; and those rules in words (None when the
    office was filled under none). Cost: one read of the sibling offices and their holders."""
    under = office.filled_under
    if not under or not under.get("rules"):
        return [], {}, None
    siblings = (
        await session.scalars(
            select(Office.holder_member_id).where(
                Office.filled_under["group"].astext == str(under["group"]),
                Office.state == "held",
                Office.id != office.id,
                Office.holder_member_id.is_not(None),
            )
        )
    ).all()
    facts = await candidate_facts(session, member_ids=[m for m in siblings if m is not None])
    remaining = [counted_as(under["rules"], 1, f.labelled()) for f in facts.values()]
    constraints, categories = vacancy_rules(under["rules"], int(under["seats"]), remaining)
    words = "; ".join(
        rule_text(
            {
                "attribute": c.attribute,
                "value": c.value,
                "at_least": c.at_least,
                "at_most": c.at_most,
                "at_least_share": None,
                "at_most_share": None,
            }
        )
        for c in constraints
    )
    return constraints, categories, words or "none needed: the other holders meet the rules"


async def vacate_office(
    session: AsyncSession,
    office: Office,
    *,
    petition_id: uuid.UUID,
    at: dt.datetime | None = None,
) -> Election | None:
    """A recall passed: the office falls vacant and, when its rules say so, a by-election for
    the seat opens nominations at once (``nomination_days`` long), under the representation
    rules that keep the office's post within the rules it was filled under (an executive seat
    filled under "at least 1 woman" and vacated by the only woman is refilled by a woman;
    logged as ``office.vacancy_rules``). Returns the by-election.
    Caller commits. Cost: one update, a log append, and the by-election's setup."""
    moment = at or now()
    office.state = "vacant"
    office.holder_member_id = None
    await append_event(
        session,
        "office.vacated",
        actor="system",
        subjects={"office": str(office.id), "petition": str(petition_id)},
    )
    rules = RecallRules.from_dict(office.recall_rules)
    if not rules.reopen_nominations:
        return None
    constraints, categories, kept = await _rules_still_holding(session, office)
    body = ElectionCreate(
        title=f"By-election: {office.title}"[:300],
        posts=[
            PostIn(
                title=office.title[:300],
                scope=office.scope,
                seats=1,
                method="irv",
                office_kind=office.kind,  # type: ignore[arg-type]
            )
        ],
        nominations_open_at=moment,
        nominations_close_at=moment + dt.timedelta(days=rules.nomination_days),
        nomination_rules=rules.nomination_rules(),
        recall_rules=rules.to_request(),  # the same rules hold for the next holder
        constraints=constraints,
        categories=categories,
    )
    if kept is not None:
        await append_event(
            session,
            "office.vacancy_rules",
            actor="system",
            subjects={"office": str(office.id)},
            facts={"rules": kept},
        )
    return await create_election(
        session, body, created_by="system", at=moment, office_id=office.id, actor="system"
    )
