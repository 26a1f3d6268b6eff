"""Sortition in a scope: set up, volunteers join a pool; the commitment and the draw follow.

1. ``create_sortition``: seats, features, quotas and rotation rules as data (quotas that no
   pool could meet are refused here; the rest are checked against the pool at commit).
2. ``volunteer`` / ``withdraw_volunteer``: an active member in scope joins the pool while it is
   open, under a random ticket, with the features the roll has for them (self-described;
   ``not_stated`` when absent), and gets a receipt: the ticket, and the salt with which the
   commitment will bind that ticket to their membership number (``assembly.sortition.entries``).
3. ``commit_sortition`` and ``draw_sortition`` (``assembly.sortition.sortition_draw``): the
   commitment logged before the randomness exists, then the draw by ``tally.sortition``.

See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.sortition.entries import entry_commitment, new_salt
from assembly.sortition.sortition_models import Sortition, SortitionVolunteer
from audit.canonical import canonical_json
from audit.events import digest_of
from audit.store import append_event
from roll.eligibility import participant
from roll.members import attributes_of, member_id_of
from roll.scope import Scope
from schemas.moments import now, utc_text
from schemas.problems import DomainError
from schemas.sortition import SortitionCreate, VolunteerOut
from tally.sortition import (
    DrawInputs,
    InfeasibleQuotas,
    Method,
    Quota,
    check_rules,
)

__all__ = [
    "NOT_STATED",
    "SortitionNotFound",
    "SortitionStateError",
    "create_sortition",
    "load_sortition",
    "log_sortition",
    "quotas_of",
    "receipt_of",
    "volunteer",
    "withdraw_volunteer",
]

NOT_STATED = "not_stated"
"""The value of a feature a volunteer has not described on the roll."""


class SortitionNotFound(DomainError):
    status = 404
    title = "No such sortition"


class SortitionStateError(DomainError):
    """Not possible now: the message says the sortition's state or window."""

    status = 409
    title = "Not possible in the sortition's current state"


async def log_sortition(
    session: AsyncSession,
    sortition: Sortition,
    type: str,
    actor: str,
    *,
    digests: dict[str, str] | None = None,
    facts: dict[str, str | int | bool | None] | None = None,
) -> None:
    index = await append_event(
        session,
        type,
        actor=actor,
        subjects={"sortition": str(sortition.id)},
        digests=digests,
        facts=facts,
    )
    sortition.log_indexes = [*sortition.log_indexes, index]


def quotas_of(sortition: Sortition) -> tuple[Quota, ...]:
    return tuple(Quota(q["feature"], q["value"], q["min"], q["max"]) for q in sortition.quotas)


async def create_sortition(
    session: AsyncSession, body: SortitionCreate, *, created_by: str
) -> Sortition:
    """Check and store a sortition with its pool open, and log it with the digest of its rules.
    Caller commits. Errors (422) name a quota on a feature not listed, a repeated quota, quotas
    no pool could meet (``tally.sortition.check_rules``), or a pool closing time without a time
    zone."""
    scope = Scope.parse(body.scope)
    features = list(dict.fromkeys(body.features))
    quotas = []
    try:
        for q in body.quotas:
            if q.feature not in features:
                raise DomainError(
                    f"the quota on {q.feature}={q.value} needs {q.feature} in features"
                )
            quotas.append(Quota(q.feature, q.value, q.min, q.max))
        DrawInputs(pool=(), seats=body.seats, quotas=tuple(quotas), method=Method(body.method))
        check_rules(body.seats, quotas)
    except InfeasibleQuotas as exc:
        raise DomainError(
            f"no pool could meet these quotas: {exc}", title="The quotas cannot be met"
        ) from None
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    if body.pool_closes_at is not None and body.pool_closes_at.tzinfo is None:
        raise DomainError("pool_closes_at needs a time zone, e.g. 2026-12-01T18:00:00Z")
    sortition = Sortition(
        id=uuid.uuid4(),
        title=body.title,
        scope=str(scope),
        role=body.role,
        term=body.term,
        exclude_terms=body.exclude_terms,
        seats=body.seats,
        method=body.method,
        features=features,
        quotas=[
            {"feature": q.feature, "value": q.value, "min": q.min, "max": q.max} for q in quotas
        ],
        state="pool_open",
        pool_closes_at=body.pool_closes_at,
        created_by=created_by,
        log_indexes=[],
    )
    session.add(sortition)
    await session.flush()
    rules = {
        "scope": sortition.scope,
        "role": sortition.role,
        "term": sortition.term,
        "exclude_terms": sortition.exclude_terms,
        "seats": sortition.seats,
        "method": sortition.method,
        "features": sortition.features,
        "quotas": sortition.quotas,
    }
    await log_sortition(
        session,
        sortition,
        "sortition.created",
        "returning_officer",
        digests={"rules": digest_of(canonical_json(rules))},
        facts={"scope": sortition.scope, "seats": sortition.seats, "term": sortition.term},
    )
    return sortition


async def load_sortition(
    session: AsyncSession, sortition_id: uuid.UUID, *, lock: bool = False
) -> Sortition:
    """The sortition, optionally locked; ``SortitionNotFound`` if there is none."""
    query = select(Sortition).where(Sortition.id == sortition_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    sortition = await session.scalar(query)
    if sortition is None:
        raise SortitionNotFound(f"there is no sortition {sortition_id}")
    return sortition


def _pool_open(sortition: Sortition, moment: dt.datetime) -> None:
    if sortition.state != "pool_open":
        raise SortitionStateError(f"the pool has closed (the sortition is {sortition.state})")
    if sortition.pool_closes_at is not None and sortition.pool_closes_at <= moment:
        raise SortitionStateError(f"the pool closed at {utc_text(sortition.pool_closes_at)}")


async def volunteer(
    session: AsyncSession,
    sortition_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> VolunteerOut:
    """An active member in scope joins the pool, once, under a fresh random ticket and salt;
    the answer is their receipt. Caller commits. Errors: 409 pool closed or already in it; 403
    outside the scope."""
    moment = at or now()
    sortition = await load_sortition(session, sortition_id, lock=True)
    _pool_open(sortition, moment)
    member = await participant(session, subject, Scope.parse(sortition.scope), "this pool")
    attributes = await attributes_of(session, member.member_id)
    known = {**{k: str(v) for k, v in attributes.items()}}
    known.update({"region": member.region_code, "branch": member.branch_code})
    features = {name: known.get(name) or NOT_STATED for name in sortition.features}
    ticket = secrets.token_hex(8)
    salt = new_salt()
    added = await session.execute(
        insert(SortitionVolunteer)
        .values(
            sortition_id=sortition.id,
            member_id=member.member_id,
            ticket=ticket,
            salt=salt,
            features=features,
        )
        .on_conflict_do_nothing(index_elements=["sortition_id", "member_id"])
        .returning(SortitionVolunteer.ticket)
    )
    if added.first() is None:
        raise SortitionStateError("you are already in this pool")
    pool = await _pool_size(session, sortition.id)
    await log_sortition(session, sortition, "sortition.volunteered", "member", facts={"pool": pool})
    return VolunteerOut(
        sortition=str(sortition.id),
        ticket=ticket,
        features=features,
        salt=salt,
        entry=entry_commitment(salt, subject, ticket),
    )


async def receipt_of(
    session: AsyncSession, sortition_id: uuid.UUID, subject: str
) -> VolunteerOut | None:
    """Member ``subject``'s receipt for the pool (ticket, salt and their entry), or ``None``
    when they are not in it, so a volunteer can see it again. Cost: two indexed lookups."""
    member_id = await member_id_of(session, subject)
    if member_id is None:
        return None
    row = await session.scalar(
        select(SortitionVolunteer).where(
            SortitionVolunteer.sortition_id == sortition_id,
            SortitionVolunteer.member_id == member_id,
        )
    )
    if row is None or row.salt is None:
        return None
    return VolunteerOut(
        sortition=str(sortition_id),
        ticket=row.ticket,
        features=dict(row.features),
        salt=row.salt,
        entry=entry_commitment(row.salt, subject, row.ticket),
    )


async def _pool_size(session: AsyncSession, sortition_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(SortitionVolunteer.sortition_id == sortition_id)
        )
        or 0
    )


async def withdraw_volunteer(
    session: AsyncSession,
    sortition_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Sortition:
    """A volunteer leaves the pool while it is open. Caller commits."""
    moment = at or now()
    sortition = await load_sortition(session, sortition_id, lock=True)
    _pool_open(sortition, moment)
    member_id = await member_id_of(session, subject)
    removed = await session.execute(
        delete(SortitionVolunteer)
        .where(
            SortitionVolunteer.sortition_id == sortition.id,
            SortitionVolunteer.member_id == member_id,
        )
        .returning(SortitionVolunteer.ticket)
    )
    if removed.first() is None:
        raise DomainError("you are not in this pool", status=404, title="Not a volunteer")
    pool = await _pool_size(session, sortition.id)
    await log_sortition(
        session, sortition, "sortition.volunteer_withdrew", "member", facts={"pool": pool}
    )
    return sortition
