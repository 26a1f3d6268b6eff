"""Nominations: a member proposes a candidate for a post, members in its scope support it, the
candidate accepts with a statement and may withdraw until the ballots open.

The rules are data on the election: ``supporting_members`` members from at least
``supporting_branches`` branches, all active in the post's scope (the proposer counts as one
unless they nominate themselves; the candidate never supports their own nomination). The
candidate's acceptance is refused while the nomination is short, with the numbers in the
message. Each step is logged with ids and counts, never who. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_models import (
    Election,
    ElectionPost,
    Nomination,
    NominationSupporter,
)
from assembly.elections.elections import ElectionStateError, log_election, touch_election
from audit.events import digest_of
from roll.candidates import candidate_facts
from roll.eligibility import NotEligible, participant
from roll.members import member_id_of, number_of
from roll.scope import Scope
from schemas.elections import NominationCreate
from schemas.moments import now
from schemas.problems import DomainError

__all__ = [
    "NominationNotFound",
    "NominationShort",
    "accept_nomination",
    "load_nomination",
    "nominate",
    "set_statement",
    "shortfall",
    "support",
    "support_counts",
    "withdraw_nomination",
    "withdraw_support",
]


class NominationNotFound(DomainError):
    status = 404
    title = "No such nomination"


class NominationShort(DomainError):
    """A nomination without the support the rules need; the message gives the numbers."""

    status = 422
    title = "The nomination does not have the support it needs"


async def load_nomination(
    session: AsyncSession, nomination_id: uuid.UUID, *, lock: bool = False
) -> Nomination:
    """The nomination, optionally locked; ``NominationNotFound`` if there is none."""
    query = select(Nomination).where(Nomination.id == nomination_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    nomination = await session.scalar(query)
    if nomination is None:
        raise NominationNotFound(f"there is no nomination {nomination_id}")
    return nomination


async def support_counts(session: AsyncSession, nomination_id: uuid.UUID) -> tuple[int, int]:
    """Supporting members and the distinct branches they come from. Cost: one aggregate."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(func.distinct(NominationSupporter.branch_id)),
            ).where(NominationSupporter.nomination_id == nomination_id)
        )
    ).one()
    return int(row[0]), int(row[1])


def _window_open(election: Election, moment: dt.datetime, what: str) -> None:
    if election.state != "nominations_open":
        raise ElectionStateError(
            f"{what}: nominations are closed (the election is {election.state})"
        )
    if moment < election.nominations_open_at:
        raise ElectionStateError(
            f"{what}: nominations open at {election.nominations_open_at.isoformat()}"
        )


async def _post(session: AsyncSession, election_id: uuid.UUID, number: int) -> ElectionPost:
    post = await session.scalar(
        select(ElectionPost).where(
            ElectionPost.election_id == election_id, ElectionPost.number == number
        )
    )
    if post is None:
        raise DomainError(f"the election has no post {number}", status=404, title="No such post")
    return post


async def nominate(
    session: AsyncSession,
    election_id: uuid.UUID,
    body: NominationCreate,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Nomination:
    """A member in the post's scope nominates an active member of it. Caller commits.

    Errors: 409 outside the window or a second nomination of the candidate for the post;
    403 a proposer outside the scope; 422 a candidate who cannot stand there.
    Cost: a few indexed reads, two inserts and a log append.
    """
    moment = at or now()
    election = await touch_election(session, election_id, at=moment)
    _window_open(election, moment, "a nomination")
    post = await _post(session, election.id, body.post)
    scope = Scope.parse(post.scope)
    proposer = await participant(session, subject, scope, "nominating for this post")
    found = await candidate_facts(session, number=body.candidate)
    if not found:
        raise DomainError(f"{body.candidate} is not on the member roll", title="Unknown candidate")
    candidate = next(iter(found.values()))
    if candidate.status != "active":
        raise DomainError(
            f"{body.candidate} cannot stand: their membership is {candidate.status}",
            title="The candidate cannot stand",
        )
    if not scope.contains(candidate.region_code, candidate.branch_code):
        raise DomainError(
            f"{body.candidate} cannot stand for a post in {scope}: they are in "
            f"region:{candidate.region_code}, branch:{candidate.branch_code}",
            title="The candidate cannot stand",
        )
    # One nomination per candidate per post, also when two arrive at once.
    added = await session.execute(
        insert(Nomination)
        .values(
            id=uuid.uuid4(),
            election_id=election.id,
            post_id=post.id,
            candidate_member_id=candidate.member_id,
            proposer_member_id=proposer.member_id,
            state="proposed",
        )
        .on_conflict_do_nothing(index_elements=["post_id", "candidate_member_id"])
        .returning(Nomination.id)
    )
    made = added.scalar_one_or_none()
    if made is None:
        raise ElectionStateError(
            f"{body.candidate} has already been nominated for post {post.number} "
            "(a withdrawn nomination cannot be made again)"
        )
    nomination = await session.get_one(Nomination, made)
    if proposer.member_id != candidate.member_id:
        session.add(
            NominationSupporter(
                nomination_id=nomination.id,
                member_id=proposer.member_id,
                branch_id=proposer.branch_id,
            )
        )
        await session.flush()
    await log_election(
        session,
        election,
        "nomination.made",
        actor="member",
        subjects={"post": str(post.id), "nomination": str(nomination.id)},
    )
    return nomination


async def _context(
    session: AsyncSession, nomination_id: uuid.UUID, moment: dt.datetime
) -> tuple[Nomination, Election, ElectionPost]:
    nomination = await load_nomination(session, nomination_id, lock=True)
    election = await touch_election(session, nomination.election_id, at=moment)
    post = await session.get_one(ElectionPost, nomination.post_id)
    return nomination, election, post


async def support(
    session: AsyncSession,
    nomination_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Nomination:
    """A member in the post's scope supports a nomination, once. Caller commits.

    Errors: 409 outside the window, a withdrawn or lapsed nomination, or a second support;
    403 outside the scope or the candidate themselves. Cost: one insert, one log append.
    """
    moment = at or now()
    nomination, election, post = await _context(session, nomination_id, moment)
    _window_open(election, moment, "supporting a nomination")
    if nomination.state not in ("proposed", "accepted"):
        raise ElectionStateError(f"this nomination is {nomination.state}")
    member = await participant(session, subject, Scope.parse(post.scope), "supporting it")
    if member.member_id == nomination.candidate_member_id:
        raise NotEligible("a candidate cannot support their own nomination")
    added = await session.execute(
        insert(NominationSupporter)
        .values(nomination_id=nomination.id, member_id=member.member_id, branch_id=member.branch_id)
        .on_conflict_do_nothing()
        .returning(NominationSupporter.member_id)
    )
    if added.first() is None:
        raise ElectionStateError("you already support this nomination")
    members, branches = await support_counts(session, nomination.id)
    await log_election(
        session,
        election,
        "nomination.supported",
        actor="member",
        subjects={"nomination": str(nomination.id)},
        facts={"supporting_members": members, "supporting_branches": branches},
    )
    return nomination


async def withdraw_support(
    session: AsyncSession,
    nomination_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Nomination:
    """A supporter withdraws their support while nominations are open. An accepted nomination
    that falls short of the rules goes back to ``proposed`` (the candidate accepts again once
    it has the support; unaccepted at the close, it lapses). The proposer's support can be
    withdrawn like anyone's. Caller commits.

    Errors: 409 nominations closed or the nomination withdrawn or lapsed; 404 no support of
    theirs. Cost: one delete, one aggregate, one log append.
    """
    moment = at or now()
    nomination, election, post = await _context(session, nomination_id, moment)
    _window_open(election, moment, "withdrawing support")
    if nomination.state not in ("proposed", "accepted"):
        raise ElectionStateError(f"this nomination is {nomination.state}")
    member_id = await member_id_of(session, subject)
    removed = await session.execute(
        delete(NominationSupporter)
        .where(
            NominationSupporter.nomination_id == nomination.id,
            NominationSupporter.member_id == member_id,
        )
        .returning(NominationSupporter.member_id)
    )
    if removed.first() is None:
        raise DomainError(
            "you do not support this nomination", status=404, title="No support to withdraw"
        )
    members, branches = await support_counts(session, nomination.id)
    was = nomination.state
    if was == "accepted" and shortfall(election.nomination_rules, members, branches, post.scope):
        nomination.state = "proposed"
    await log_election(
        session,
        election,
        "nomination.support_withdrawn",
        actor="member",
        subjects={"nomination": str(nomination.id)},
        facts={
            "supporting_members": members,
            "supporting_branches": branches,
            "back_to_proposed": was != nomination.state,
        },
    )
    return nomination


async def _candidate(
    session: AsyncSession, nomination: Nomination, subject: str, what: str
) -> None:
    number = await number_of(session, nomination.candidate_member_id)
    if number != subject:
        raise NotEligible(f"only the candidate can {what}")


def shortfall(rules: dict[str, Any], members: int, branches: int, scope: str) -> str | None:
    """Why support of ``members`` members from ``branches`` branches falls short of the rules,
    or None when it is enough."""
    need_members = int(rules["supporting_members"])
    need_branches = int(rules["supporting_branches"])
    if members >= need_members and branches >= need_branches:
        return None
    return (
        f"the nomination has {members} supporting member{'s' * (members != 1)} "
        f"from {branches} branch{'es' * (branches != 1)} in {scope}; the rules need "
        f"{need_members} member{'s' * (need_members != 1)} from at least {need_branches} "
        f"branch{'es' * (need_branches != 1)}"
        f" ({max(0, need_members - members)} more member{'s' * (need_members - members != 1)}"
        f", {max(0, need_branches - branches)} more branch"
        f"{'es' * (need_branches - branches != 1)})"
    )


async def accept_nomination(
    session: AsyncSession,
    nomination_id: uuid.UUID,
    statement: str,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Nomination:
    """The candidate accepts and publishes a statement; refused (422, with the numbers) while
    the nomination is short of support. Caller commits. Cost: one aggregate, one log append."""
    moment = at or now()
    nomination, election, post = await _context(session, nomination_id, moment)
    await _candidate(session, nomination, subject, "accept a nomination")
    _window_open(election, moment, "accepting a nomination")
    if nomination.state != "proposed":
        raise ElectionStateError(f"this nomination is {nomination.state}, not awaiting acceptance")
    members, branches = await support_counts(session, nomination.id)
    short = shortfall(election.nomination_rules, members, branches, post.scope)
    if short is not None:
        raise NominationShort(short)
    nomination.state = "accepted"
    nomination.statement = statement
    nomination.statement_digest = digest_of(statement.encode())
    await log_election(
        session,
        election,
        "nomination.accepted",
        actor="member",
        subjects={"post": str(post.id), "nomination": str(nomination.id)},
        digests={"statement": nomination.statement_digest},
        facts={"supporting_members": members, "supporting_branches": branches},
    )
    return nomination


async def set_statement(
    session: AsyncSession,
    nomination_id: uuid.UUID,
    statement: str,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Nomination:
    """The candidate replaces their statement, until the ballots open. Caller commits."""
    moment = at or now()
    nomination, election, _ = await _context(session, nomination_id, moment)
    await _candidate(session, nomination, subject, "change the statement")
    if nomination.state != "accepted" or election.state not in (
        "nominations_open",
        "nominations_closed",
    ):
        raise ElectionStateError(
            "a statement can change only on an accepted nomination before ballots open"
        )
    nomination.statement = statement
    nomination.statement_digest = digest_of(statement.encode())
    await log_election(
        session,
        election,
        "nomination.statement_changed",
        actor="member",
        subjects={"nomination": str(nomination.id)},
        digests={"statement": nomination.statement_digest},
    )
    return nomination


async def withdraw_nomination(
    session: AsyncSession,
    nomination_id: uuid.UUID,
    *,
    subject: str,
    at: dt.datetime | None = None,
) -> Nomination:
    """The candidate withdraws, at any time until the ballots open. Caller commits."""
    moment = at or now()
    nomination, election, _ = await _context(session, nomination_id, moment)
    await _candidate(session, nomination, subject, "withdraw")
    if election.state not in ("nominations_open", "nominations_closed"):
        raise ElectionStateError(
            f"the ballots are open (the election is {election.state}); it is too late to withdraw"
        )
    if nomination.state not in ("proposed", "accepted"):
        raise ElectionStateError(f"this nomination is already {nomination.state}")
    was = nomination.state
    nomination.state = "withdrawn"
    await log_election(
        session,
        election,
        "nomination.withdrawn",
        actor="member",
        subjects={"nomination": str(nomination.id)},
        facts={"was": was},
    )
    return nomination
