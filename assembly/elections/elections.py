"""An election's life: set up with posts and rules, nominations open and close, each logged.

A returning officer sets up an election: posts (each its own scope, seats and method), a
nominations window, nomination rules as data and representation rules (checked here, applied
per post when the ballots open: ``assembly.elections.election_ballots``). Nominations close
at the end of the window, by the due work runner (``service.due_work``) or before the next
action on the election (``touch_election``, as assemblies do), or by the returning officer
when no closing time was set; a read writes nothing. Closing lapses every nomination the candidate
has not accepted. Every change is one log entry with ids, digests and counts only. See
docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_models import Election, ElectionPost, Nomination
from assembly.elections.representation import check_representation
from assembly.petitions.recall_rules import RecallRules
from audit.canonical import canonical_json
from audit.events import digest_of
from audit.store import append_event
from roll.eligibility import known_scope
from schemas.elections import ElectionCreate
from schemas.moments import now, utc_text
from schemas.problems import DomainError

__all__ = [
    "ElectionNotFound",
    "ElectionStateError",
    "close_nominations",
    "create_election",
    "load_election",
    "log_election",
    "posts_of",
    "touch_election",
]


class ElectionNotFound(DomainError):
    status = 404
    title = "No such election"


class ElectionStateError(DomainError):
    """A step out of order: the message says the state and what can happen next."""

    status = 409
    title = "Not possible in the election's current state"


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else utc_text(value)


async def log_election(
    session: AsyncSession,
    election: Election,
    type: str,
    *,
    actor: str,
    subjects: Mapping[str, str] | None = None,
    digests: Mapping[str, str] | None = None,
    facts: Mapping[str, str | int | bool | None] | None = None,
) -> int:
    """Append ``type`` about the election (its id added to ``subjects``) and keep the index on
    the election, so its record lists its entries. Cost: one log append."""
    index = await append_event(
        session,
        type,
        actor=actor,
        subjects={"election": str(election.id), **(subjects or {})},
        digests=digests,
        facts=facts,
    )
    election.log_indexes = [*election.log_indexes, index]
    return index


def _aware(value: dt.datetime | None, name: str) -> None:
    if value is not None and value.tzinfo is None:
        raise DomainError(f"{name} needs a time zone, e.g. 2026-12-01T18:00:00Z")


def _method(seats: int, method: str | None) -> str:
    chosen = method or ("irv" if seats == 1 else "scottish_stv")
    if chosen == "irv" and seats != 1:
        raise DomainError("IRV fills one seat; use scottish_stv or meek_stv for more")
    return chosen


async def create_election(
    session: AsyncSession,
    body: ElectionCreate,
    *,
    created_by: str,
    at: dt.datetime | None = None,
    office_id: uuid.UUID | None = None,
    actor: str = "returning_officer",
) -> Election:
    """Check and store an election with its posts, nominations open, and log it with the digest
    of its rules. ``office_id`` makes its single post a by-election for that office. Caller
    commits. Cost: one insert per post and one log append."""
    moment = at or now()
    for name in ("nominations_open_at", "nominations_close_at", "ballots_close_at"):
        _aware(getattr(body, name), name)
    opens = body.nominations_open_at or moment
    if body.nominations_close_at is not None and body.nominations_close_at <= opens:
        raise DomainError("nominations_close_at must be after nominations open")
    if (
        body.ballots_close_at is not None
        and body.nominations_close_at is not None
        and body.ballots_close_at <= body.nominations_close_at
    ):
        raise DomainError("ballots_close_at must be after nominations close")
    if office_id is not None and len(body.posts) != 1:
        raise DomainError("a by-election has one post")
    constraints = check_representation(
        body.constraints, [post.seats for post in body.posts], body.categories
    )
    scopes = [str(await known_scope(session, post.scope)) for post in body.posts]
    recall = RecallRules.from_request(body.recall_rules)
    election = Election(
        id=uuid.uuid4(),
        title=body.title,
        state="nominations_open",
        nominations_open_at=opens,
        nominations_close_at=body.nominations_close_at,
        ballots_close_at=body.ballots_close_at,
        nomination_rules={
            "supporting_members": body.nomination_rules.supporting_members,
            "supporting_branches": body.nomination_rules.supporting_branches,
        },
        constraints=constraints,
        recall_rules=recall.to_dict(),
        secret=body.secret,
        rules_digest="",
        created_by=created_by,
        log_indexes=[],
    )
    posts = [
        ElectionPost(
            id=uuid.uuid4(),
            election_id=election.id,
            number=number,
            title=post.title,
            scope=scopes[number - 1],
            seats=post.seats,
            method=_method(post.seats, post.method),
            office_kind=post.office_kind,
            state="nominations",
            office_id=office_id,
            constraints=[],
        )
        for number, post in enumerate(body.posts, start=1)
    ]
    document = {
        "title": election.title,
        "posts": [
            {
                "number": p.number,
                "title": p.title,
                "scope": p.scope,
                "seats": p.seats,
                "method": p.method,
            }
            for p in posts
        ],
        "nominations_open_at": _when(opens),
        "nominations_close_at": _when(body.nominations_close_at),
        "ballots_close_at": _when(body.ballots_close_at),
        "nomination_rules": election.nomination_rules,
        "constraints": constraints,
        "recall_rules": election.recall_rules,
        "secret": election.secret,
    }
    election.rules_digest = digest_of(canonical_json(document))
    session.add(election)
    await session.flush()
    session.add_all(posts)
    await session.flush()
    await log_election(
        session,
        election,
        "election.created",
        actor=actor,
        subjects={"office": str(office_id)} if office_id else None,
        digests={"rules": election.rules_digest},
        facts={"posts": len(posts), "seats": sum(p.seats for p in posts)},
    )
    return election


async def load_election(
    session: AsyncSession, election_id: uuid.UUID, *, lock: bool = False
) -> Election:
    """The election, optionally locked for update; ``ElectionNotFound`` if there is none."""
    query = select(Election).where(Election.id == election_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    election = await session.scalar(query)
    if election is None:
        raise ElectionNotFound(f"there is no election {election_id}")
    return election


async def posts_of(session: AsyncSession, election_id: uuid.UUID) -> list[ElectionPost]:
    """The election's posts by number."""
    rows = await session.scalars(
        select(ElectionPost)
        .where(ElectionPost.election_id == election_id)
        .order_by(ElectionPost.number)
    )
    return list(rows.all())


async def _close(
    session: AsyncSession, election: Election, *, actor: str, due: dt.datetime | None
) -> None:
    """Close nominations: every nomination not accepted lapses, with the reason kept."""
    nominations = (
        await session.scalars(
            select(Nomination)
            .where(Nomination.election_id == election.id, Nomination.state == "proposed")
            .with_for_update()
        )
    ).all()
    for nomination in nominations:
        nomination.state = "lapsed"
        nomination.lapsed_reason = "the candidate had not accepted when nominations closed"
    accepted = (
        await session.scalars(
            select(Nomination.id).where(
                Nomination.election_id == election.id, Nomination.state == "accepted"
            )
        )
    ).all()
    election.state = "nominations_closed"
    await log_election(
        session,
        election,
        "election.nominations_closed",
        actor=actor,
        facts={"accepted": len(accepted), "lapsed": len(nominations), "due": _when(due)},
    )


async def touch_election(
    session: AsyncSession,
    election_id: uuid.UUID,
    *,
    at: dt.datetime | None = None,
    lock: bool = False,
) -> Election:
    """The election, after closing nominations if their window has ended at ``at`` (logged by
    ``system`` with the time it was due); locked when ``lock`` or when it closed them. Caller
    commits. Cost: one primary-key read; when due, a locking read and the close."""
    moment = at or now()
    election = await load_election(session, election_id, lock=lock)
    due = election.nominations_close_at
    if election.state == "nominations_open" and due is not None and due <= moment:
        if not lock:
            election = await load_election(session, election_id, lock=True)
        if election.state == "nominations_open":
            await _close(session, election, actor="system", due=due)
    return election


async def close_nominations(
    session: AsyncSession, election_id: uuid.UUID, *, at: dt.datetime | None = None
) -> Election:
    """The returning officer closes nominations, which only the window may do when it has a
    closing time. Caller commits."""
    moment = at or now()
    election = await touch_election(session, election_id, at=moment, lock=True)
    if election.state != "nominations_open":
        raise ElectionStateError(f"the election is {election.state}; nominations are not open")
    if election.nominations_close_at is not None:
        raise ElectionStateError(
            f"nominations close at {_when(election.nominations_close_at)}, as announced; "
            "they cannot be closed early"
        )
    await _close(session, election, actor="returning_officer", due=None)
    return election
