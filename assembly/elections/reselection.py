"""Mandatory reselection: an office held for a term is contested again before the term ends.

An office with a term (``term_ends_at``, ``term_days``) opens, ``reselection_days`` before the
term ends, an open selection for the next term: a one-seat election of the office's
constituency under its recall rules' nomination rules, in which the holder must be nominated
and supported again like any challenger (nobody stands by default). Nominations close at the
end of the nomination period the rules set, and never after the term ends. Whoever it elects
holds the office for the next term, from the declaration (``offices.fill_office``); a selection
nobody stands in is declared with its post vacant, as any election. The civic clock
(``service.petition_clock``) opens each selection when it is due, so no office runs past its
term without one; the returning officer sees which are due and open (:func:`reselections`).
Each step is logged with ids.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_models import Election
from assembly.elections.elections import create_election
from assembly.elections.offices import load_office
from assembly.petitions.recall_models import Office
from assembly.petitions.recall_rules import RecallRules
from audit.store import append_event
from schemas.elections import ElectionCreate, PostIn
from schemas.moments import now, utc_text
from schemas.problems import DomainError

__all__ = [
    "Reselection",
    "open_reselection",
    "reselection_opens_at",
    "reselections",
    "touch_office",
]


def reselection_opens_at(office: Office) -> dt.datetime | None:
    """When the office's next open selection opens (None: no fixed term)."""
    if office.term_ends_at is None:
        return None
    return office.term_ends_at - dt.timedelta(days=office.reselection_days or 0)


def _due(office: Office, moment: dt.datetime) -> bool:
    opens = reselection_opens_at(office)
    return (
        opens is not None
        and opens <= moment
        and office.reselection_election_id is None
        and office.state == "held"
    )


async def open_reselection(session: AsyncSession, office: Office, moment: dt.datetime) -> Election:
    """Open the office's selection for its next term (the caller checked it is due and holds
    the office's lock). Caller commits. Cost: one election set up, one log append."""
    if office.term_ends_at is None:
        raise DomainError(f"office {office.id} has no term to reselect for", status=409)
    rules = RecallRules.from_dict(office.recall_rules)
    closes = min(moment + dt.timedelta(days=rules.nomination_days), office.term_ends_at)
    if closes <= moment:
        closes = moment + dt.timedelta(days=1)  # a term that already ended: a day to stand
    body = ElectionCreate(
        title=f"Reselection: {office.title}"[:300],
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
        nominations_close_at=closes,
        nomination_rules=rules.nomination_rules(),
        recall_rules=rules.to_request(),
    )
    election = await create_election(
        session, body, created_by="system", at=moment, office_id=office.id, actor="system"
    )
    office.reselection_election_id = election.id
    await append_event(
        session,
        "office.reselection_opened",
        actor="system",
        subjects={"office": str(office.id), "election": str(election.id)},
        facts={"term_ends_at": utc_text(office.term_ends_at)},
    )
    return election


async def touch_office(
    session: AsyncSession,
    office_id: uuid.UUID,
    *,
    at: dt.datetime | None = None,
    lock: bool = False,
) -> Office:
    """The office, after opening its selection for the next term if that is due at ``at``.
    Caller commits. Cost: one read; when due, a locking read and the election's setup."""
    moment = at or now()
    office = await load_office(session, office_id, lock=lock)
    if _due(office, moment):
        office = await load_office(session, office_id, lock=True)
        if _due(office, moment):
            await open_reselection(session, office, moment)
    return office


class Reselection:
    """One office with a term, as the returning officer's list shows it."""

    __slots__ = ("election", "office", "opens_at", "state")

    def __init__(self, office: Office, moment: dt.datetime) -> None:
        self.office = office
        self.opens_at = reselection_opens_at(office)
        self.election = office.reselection_election_id
        if self.election is not None:
            self.state = "open"
        elif self.opens_at is not None and self.opens_at <= moment:
            self.state = "due"
        else:
            self.state = "scheduled"


async def reselections(
    session: AsyncSession, *, at: dt.datetime | None = None
) -> list[Reselection]:
    """Every office with a term, soonest term end first: its selection open, due (the clock
    opens it within seconds) or scheduled. Cost: one indexed read."""
    moment = at or now()
    offices = (
        await session.scalars(
            select(Office).where(Office.term_ends_at.is_not(None)).order_by(Office.term_ends_at)
        )
    ).all()
    return [Reselection(o, moment) for o in offices]
