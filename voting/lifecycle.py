"""A contest's life: draft → open → closed → counted → published, each step once, each logged.

Every step locks the contest row, checks the state it starts from, makes its change and
appends its log entry in the caller's transaction; the caller commits once. Opening freezes the
electorate (the active members in scope in the current roll snapshot); closing commits to the
box (see ``voting.box``); counting runs ``tally``; publishing certifies the result.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Uuid, false, func, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from audit.store import append_event
from roll.eligibility import known_scope
from roll.lock import hold_roll
from roll.members import active_in
from roll.scope import Scope
from schemas.contests import ContestCreate
from schemas.moments import now, utc_text
from schemas.problems import DomainError
from tally.errors import CountError
from voting.box import box_commitment
from voting.counting import check_constraints, count_contest, result_digest
from voting.definition import (
    ContestDefinitionError,
    check_definition,
    constraints_text,
    manifest,
    manifest_digest,
)
from voting.models import Contest, ContestBallot, ContestElector, ContestOption, ContestReceipt

__all__ = [
    "ContestNotFound",
    "ContestStateError",
    "close_contest",
    "contest_manifest",
    "count_contest_now",
    "create_contest",
    "load_contest",
    "open_contest",
    "publish_contest",
    "vacuum_box",
]

_NEXT = {"open": "draft", "closed": "open", "counted": "closed", "published": "counted"}
_VERB = {"open": "opened", "closed": "closed", "counted": "counted", "published": "published"}


class ContestNotFound(DomainError):
    status = 404
    title = "No such contest"


class ContestStateError(DomainError):
    """A step out of order: the message says the state and what can happen next."""

    status = 409
    title = "Not possible in the contest's current state"


async def load_contest(
    session: AsyncSession, contest_id: uuid.UUID, *, lock: bool = False
) -> Contest:
    """The contest, optionally locked for update; ``ContestNotFound`` if there is none."""
    query = select(Contest).where(Contest.id == contest_id)
    if lock:
        query = query.with_for_update()
    contest = await session.scalar(query)
    if contest is None:
        raise ContestNotFound(f"there is no contest {contest_id}")
    return contest


async def options_of(session: AsyncSession, contest_id: uuid.UUID) -> list[ContestOption]:
    """The contest's options or candidates in ballot-paper order."""
    rows = await session.scalars(
        select(ContestOption)
        .where(ContestOption.contest_id == contest_id)
        .order_by(ContestOption.position)
    )
    return list(rows.all())


def contest_manifest(contest: Contest, options: list[ContestOption]) -> dict[str, Any]:
    """The manifest of a stored contest (the document its ``manifest_digest`` is over)."""
    return manifest(
        contest_id=str(contest.id),
        title=contest.title,
        kind=contest.kind,
        scope=contest.scope,
        secret=contest.secret,
        seats=contest.seats,
        method=contest.method,
        majority=contest.majority,
        constraints=contest.constraints,
        options=[{"id": str(o.id), "name": o.name, "attributes": o.attributes} for o in options],
        opens_at=contest.opens_at,
        closes_at=contest.closes_at,
    )


async def _log(
    session: AsyncSession,
    contest: Contest,
    event: str,
    actor: str,
    digests: dict[str, str],
    facts: dict[str, str | int | bool | None],
) -> None:
    index = await append_event(
        session,
        f"contest.{event}",
        actor=actor,
        subjects={"contest": str(contest.id)},
        digests=digests,
        facts=facts,
    )
    contest.log_indexes = [*contest.log_indexes, index]


async def create_contest(
    session: AsyncSession,
    body: ContestCreate,
    *,
    created_by: str,
    actor: str = "returning_officer",
) -> Contest:
    """Check and store a new draft contest, and log it with the acting role. Caller commits.
    A scope the member roll does not have is refused (``roll.eligibility.known_scope``)."""
    definition = check_definition(body, now=now())
    await known_scope(session, body.scope)
    contest = Contest(
        id=uuid.uuid4(),
        title=definition.title,
        kind=definition.kind,
        scope=str(definition.scope),
        secret=definition.secret,
        seats=definition.seats,
        method=definition.method,
        majority=definition.majority,
        constraints=definition.constraints,
        state="draft",
        opens_at=definition.opens_at,
        closes_at=definition.closes_at,
        created_by=created_by,
        manifest_digest="",
        log_indexes=[],
    )
    options = [
        ContestOption(
            id=uuid.uuid4(), contest_id=contest.id, position=i, name=name, attributes=attrs
        )
        for i, (name, attrs) in enumerate(definition.options)
    ]
    document = contest_manifest(contest, options)
    try:
        check_constraints(document)
    except CountError as exc:
        raise ContestDefinitionError(str(exc)) from None
    contest.manifest_digest = manifest_digest(document)
    session.add(contest)
    await session.flush()
    session.add_all(options)
    await session.flush()
    await _log(
        session,
        contest,
        "created",
        actor,
        {"manifest": contest.manifest_digest},
        {
            "kind": contest.kind,
            "scope": contest.scope,
            "secret": contest.secret,
            "constraints": constraints_text(definition.constraints),
        },
    )
    return contest


def _step(contest: Contest, to: str) -> None:
    if contest.state != _NEXT[to]:
        allowed = {v: k for k, v in _NEXT.items()}.get(contest.state)
        then = f"; it can only be {_VERB[allowed]} next" if allowed else ""
        raise ContestStateError(
            f"contest {contest.id} is {contest.state}, so it cannot be {_VERB[to]}{then}"
        )
    contest.state = to


async def open_contest(session: AsyncSession, contest_id: uuid.UUID, *, actor: str) -> Contest:
    """Open for voting: freeze the electorate from the current roll snapshot. Caller commits.

    Cost: one INSERT … SELECT over the members in scope (100,000 in a few seconds).
    """
    contest = await load_contest(session, contest_id, lock=True)
    _step(contest, "open")
    snapshot = await hold_roll(session)
    if snapshot is None:
        raise ContestStateError("there is no member roll yet: import one before opening a contest")
    scope = Scope.parse(contest.scope)
    electorate = active_in(scope).subquery()
    result = await session.execute(
        insert(ContestElector).from_select(
            ["contest_id", "member_id", "voted"],
            select(literal(contest.id, Uuid()), electorate.c.id, false()),
        )
    )
    size = result.rowcount  # type: ignore[attr-defined]
    if not size:
        raise ContestStateError(f"nobody can vote: there are no active members in {contest.scope}")
    contest.roll_snapshot_id = snapshot.id
    contest.roll_digest = snapshot.digest
    contest.electorate_size = size
    contest.opened_at = now()
    await _log(
        session,
        contest,
        "opened",
        actor,
        {"manifest": contest.manifest_digest, "roll": "sha256:" + snapshot.digest},
        {"electorate": size, "roll_snapshot": snapshot.id},
    )
    return contest


_REWRITE = [
    text(
        "CREATE TEMP TABLE box_ballot ON COMMIT DROP AS "
        "SELECT content FROM contest_ballot WHERE contest_id = :c"
    ),
    text("DELETE FROM contest_ballot WHERE contest_id = :c"),
    text(
        "INSERT INTO contest_ballot (id, contest_id, content, member_id) "
        "SELECT gen_random_uuid(), :c, content, NULL FROM box_ballot ORDER BY content"
    ),
    text("DROP TABLE box_ballot"),
    text(
        "CREATE TEMP TABLE box_receipt ON COMMIT DROP AS "
        "SELECT receipt_hash FROM contest_receipt WHERE contest_id = :c"
    ),
    text("DELETE FROM contest_receipt WHERE contest_id = :c"),
    text(
        "INSERT INTO contest_receipt (contest_id, receipt_hash) "
        "SELECT :c, receipt_hash FROM box_receipt ORDER BY receipt_hash"
    ),
    text("DROP TABLE box_receipt"),
    text("UPDATE contest_elector SET voted = voted WHERE contest_id = :c"),
]


async def _rewrite_box(session: AsyncSession, contest_id: uuid.UUID) -> None:
    """Rewrite a secret box so its rows no longer carry the casting transactions.

    Casting writes a member's electorate row, their ballot and their receipt hash in one
    transaction, so until now all three carried that transaction's id (PostgreSQL's ``xmin``)
    and sat in casting order on disk: a database operator could join them. Rewriting the
    ballots and receipts in canonical order under new random ids, and touching every elector
    row, gives all of them the closing transaction's id. The old row versions stay on disk
    until vacuumed (``vacuum_box``, after the commit), and anyone who read the database, a
    replica, the WAL or a backup while the contest was open could still link them; see
    docs/THREAT_MODEL.md. Cost: one rewrite of the box and one update of the electorate.
    """
    for statement in _REWRITE:
        await session.execute(statement, {"c": contest_id})


async def vacuum_box(engine: AsyncEngine) -> None:
    """Vacuum the tables a close rewrote, so the dead row versions of the casting transactions
    are reclaimed (run after the close commits; VACUUM cannot run inside a transaction)."""
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM contest_ballot, contest_receipt, contest_elector"))


async def close_contest(
    session: AsyncSession, contest_id: uuid.UUID, *, actor: str, at: dt.datetime | None = None
) -> Contest:
    """Close the box and commit to it: receipts root, ballots digest and the counts, which must
    agree (ballots = receipts = voters ≤ electorate). A timed recall ballot closes on its time
    and not before: only the clock (actor ``system``) closes it, once ``closes_at`` has come,
    so nobody can end it while the vote is going their way. Caller commits."""
    contest = await load_contest(session, contest_id, lock=True)
    moment = at or now()
    closes = contest.closes_at if contest.kind == "recall" else None
    if closes is not None and contest.state == "open" and (actor != "system" or moment < closes):
        raise ContestStateError(
            f"this recall ballot closes at {utc_text(closes)}, as announced; "
            "it cannot be closed early"
        )
    _step(contest, "closed")
    receipts = (
        await session.scalars(
            select(ContestReceipt.receipt_hash).where(ContestReceipt.contest_id == contest.id)
        )
    ).all()
    contents = (
        await session.scalars(
            select(ContestBallot.content).where(ContestBallot.contest_id == contest.id)
        )
    ).all()
    voters = await session.scalar(
        select(func.count()).where(ContestElector.contest_id == contest.id, ContestElector.voted)
    )
    box = box_commitment([bytes(r) for r in receipts], [bytes(c) for c in contents])
    voters = int(voters or 0)
    if not box.ballots == box.receipts == voters <= (contest.electorate_size or 0):
        raise DomainError(
            f"the box does not add up ({box.ballots} ballots, {box.receipts} receipts, "
            f"{voters} voters); it was left open",
            status=500,
            title="Ballot box integrity check failed",
        )
    if contest.secret:
        await _rewrite_box(session, contest.id)
    contest.voters = voters
    contest.receipts_root = box.receipts_root
    contest.ballots_digest = box.ballots_digest
    contest.closed_at = now()
    await _log(
        session,
        contest,
        "closed",
        actor,
        {"receipts_root": "sha256:" + box.receipts_root, "ballots": "sha256:" + box.ballots_digest},
        {
            "ballots": box.ballots,
            "receipts": box.receipts,
            "voters": contest.voters,
            "electorate": contest.electorate_size,
        },
    )
    return contest


async def count_contest_now(session: AsyncSession, contest_id: uuid.UUID, *, actor: str) -> Contest:
    """Count the closed box with ``tally`` and store the result. Caller commits."""
    contest = await load_contest(session, contest_id, lock=True)
    _step(contest, "counted")
    options = await options_of(session, contest.id)
    contents = (
        await session.scalars(
            select(ContestBallot.content).where(ContestBallot.contest_id == contest.id)
        )
    ).all()
    result = count_contest(
        contest_manifest(contest, options),
        [bytes(c) for c in contents],
        contest.electorate_size or 0,
    )
    contest.result = result
    contest.result_digest = result_digest(result)
    contest.counted_at = now()
    await _log(session, contest, "counted", actor, {"result": contest.result_digest}, {})
    return contest


async def publish_contest(session: AsyncSession, contest_id: uuid.UUID, *, actor: str) -> Contest:
    """Certify and publish the counted result. Caller commits."""
    contest = await load_contest(session, contest_id, lock=True)
    _step(contest, "published")
    contest.published_at = now()
    if contest.result_digest is None:
        raise ContestStateError(f"contest {contest.id} is counted but has no result digest")
    await _log(session, contest, "published", actor, {"result": contest.result_digest}, {})
    return contest
