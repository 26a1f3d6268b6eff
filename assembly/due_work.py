"""Which assemblies, petitions and elections have a timetabled step due, by the database's clock.

Each step itself is the domain's own ``touch_*`` function, which takes the row lock, re-checks the
state and logs the step as ``system``; these queries only find the rows worth touching, so the
runner (``service.due_work``) need not read every row each round. The steps are:

- an assembly enters the next state its timetable names (opens for motions, for amendments, goes
  into session, closes), and only as far as the chair is not left a step;
- a recall petition whose window ended short fails, and a published recall result is applied;
  its count of signatures is logged once the interval of its first unlogged change has ended;
- an election's nominations close at their time;
- an office with a term opens its selection for the next term, ``reselection_days`` before the
  term ends (``assembly.elections.reselection``);
- a sortition whose pool was closed for a fair draw has its portfolio solved and its
  commitment logged (``assembly.sortition.sortition_draw.finish_commitment``): slow work, which
  the runner does apart from the timetable (``service.due_work.BACKGROUND_WORKS``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, and_, func, or_, select

from assembly.elections.election_models import Election
from assembly.models import Assembly
from assembly.petitions.petitions import COUNT_INTERVAL
from assembly.petitions.recall_models import Office, RecallPetition
from assembly.sortition.sortition_models import Sortition
from voting.due_work import published_contests

__all__ = ["due_assemblies", "due_elections", "due_offices", "due_petitions", "due_sortitions"]


def due_assemblies() -> Select[uuid.UUID]:
    """Assemblies whose timetable moves them on now (see ``assembly.meetings.timetable``)."""
    entering_next = {
        "draft": Assembly.opens_at,
        "motions_open": Assembly.motions_deadline,
        "amendments_open": Assembly.session_starts_at,
        "in_session": Assembly.session_ends_at,
    }
    return select(Assembly.id).where(
        or_(
            *(
                and_(Assembly.state == state, at <= func.now())
                for state, at in entering_next.items()
            )
        )
    )


def due_petitions() -> Select[uuid.UUID]:
    """Petitions whose window ended while open, whose recall result has been published, or
    whose count changed in an interval that has ended (``petitions.count_signatures``)."""
    return select(RecallPetition.id).where(
        or_(
            (RecallPetition.state == "open") & (RecallPetition.closes_at <= func.now()),
            (RecallPetition.state == "succeeded")
            & RecallPetition.contest_id.in_(published_contests()),
            (RecallPetition.state == "open")
            & (RecallPetition.signatures != RecallPetition.signatures_logged)
            & (RecallPetition.pending_since + COUNT_INTERVAL <= func.now()),
        )
    )


def due_elections() -> Select[uuid.UUID]:
    """Elections whose nominations window has ended while still open."""
    return select(Election.id).where(
        Election.state == "nominations_open", Election.nominations_close_at <= func.now()
    )


def due_offices() -> Select[uuid.UUID]:
    """Held offices whose selection for the next term is due to open and has not."""
    return select(Office.id).where(
        Office.state == "held",
        Office.reselection_election_id.is_(None),
        Office.term_ends_at - func.make_interval(0, 0, 0, Office.reselection_days) <= func.now(),
    )


def due_sortitions() -> Select[uuid.UUID]:
    """Sortitions whose pool has closed and whose portfolio is still to be solved."""
    return select(Sortition.id).where(Sortition.state == "committing")
