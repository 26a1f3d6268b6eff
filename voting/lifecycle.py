"""A contest's life: draft → open → closed → counted → published, each step once, each logged.

Every step locks the contest row, checks the state it starts from, makes its change and
appends its log entry in the caller's transaction; the caller commits once. Opening freezes the
electorate (the active members in scope in the current roll snapshot, or those of a list the
caller gives, such as an assembly's credentialed delegates, with their weights and proxies);
closing commits to the box (see ``voting.box``); counting runs ``tally``; publishing certifies
the result.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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
from schemas.states import ContestState
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
from voting.sealing import ballot_keys, forget_key_when_committed, unseal

__all__ = [
    "ContestNotFound",
    "ContestStateError",
    "Elector",
    "close_contest",
    "contest_manifest",
    "count_contest_now",
    "create_contest",
    "load_contest",
    "open_contest",
    "publish_contest",
    "vacuum_box",
]

# Each state a step leads to, and the state it must come from.
_NEXT: dict[ContestState, ContestState] = {
    "open": "draft",
    "closed": "open",
    "counted": "closed",
    "published": "counted",
}
_VERB: dict[ContestState, str] = {
    "open": "opened",
    "closed": "closed",
    "counted": "counted",
    "published": "published",
}


class ContestNotFound(DomainError):
    status = 404
    title = "No such contest"


class ContestStateError(DomainError):
    """A step out of order: the message says the state and what can happen next."""

    status = 409
    title = "Not possible in the contest's current state"


@dataclass(frozen=True, slots=True)
class Elector:
    """One member of an electorate a caller gives: the weight their vote carries (1, or a card
    vote's) and the member who may cast it for them (a proxy), if any."""

    member_id: int
    weight: int = 1
    proxy_member_id: int | None = None


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
        weighted=contest.weighted,
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
        weighted=definition.weighted,
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


def _step(contest: Contest, to: ContestState) -> None:
    if contest.state != _NEXT[to]:
        allowed = {v: k for k, v in _NEXT.items()}.get(contest.state)
        then = f"; it can only be {_VERB[allowed]} next" if allowed else ""
        raise ContestStateError(
            f"contest {contest.id} is {contest.state}, so it cannot be {_VERB[to]}{then}"
        )
    contest.state = to


async def _freeze_given(
    session: AsyncSession, contest: Contest, scope: Scope, electors: Sequence[Elector]
) -> tuple[int, int, int]:
    """Freeze those of ``electors`` who are active members in ``scope`` (a lapsed delegate does
    not vote; a proxy who is not active is dropped). (size, total weight, proxies) frozen.
    Cost: one indexed read over the given ids and one bulk insert."""
    wanted = {e.member_id for e in electors} | {
        e.proxy_member_id for e in electors if e.proxy_member_id is not None
    }
    members = active_in(scope).subquery()
    active = set(
        (await session.scalars(select(members.c.id).where(members.c.id.in_(sorted(wanted))))).all()
    )
    if len({e.member_id for e in electors}) != len(electors):
        raise ContestStateError("each member is in an electorate once")
    if any(e.weight < 1 for e in electors):
        raise ContestStateError("an elector's weight is a whole number of at least 1")
    if not contest.weighted and any(e.weight != 1 for e in electors):
        raise ContestStateError("only a weighted contest (a card vote) carries weights")
    rows: list[dict[str, Any]] = []
    for elector in electors:
        if elector.member_id not in active:
            continue
        proxy = elector.proxy_member_id if elector.proxy_member_id in active else None
        rows.append(
            {
                "contest_id": contest.id,
                "member_id": elector.member_id,
                "voted": False,
                "weight": elector.weight,
                "proxy_member_id": proxy,
            }
        )
    if rows:
        await session.execute(insert(ContestElector), rows)
    proxies = sum(1 for row in rows if row["proxy_member_id"] is not None)
    return len(rows), sum(int(row["weight"]) for row in rows), proxies


async def open_contest(
    session: AsyncSession,
    contest_id: uuid.UUID,
    *,
    actor: str,
    electors: Sequence[Elector] | None = None,
) -> Contest:
    """Open for voting: freeze the electorate from the current roll snapshot. Caller commits.

    The electorate is the active members in scope, or, given ``electors``, those of them who are
    active members in scope, with their weights and proxies (a delegate assembly's credentialed
    delegates). Cost: one INSERT … SELECT over the members in scope (100,000 in a few seconds),
    or one read and one insert over the given electors.
    """
    contest = await load_contest(session, contest_id, lock=True)
    _step(contest, "open")
    snapshot = await hold_roll(session)
    if snapshot is None:
        raise ContestStateError("there is no member roll yet: import one before opening a contest")
    scope = Scope.parse(contest.scope)
    proxies = 0
    if electors is None:
        electorate = active_in(scope).subquery()
        result = await session.execute(
            insert(ContestElector).from_select(
                ["contest_id", "member_id", "voted"],
                select(literal(contest.id, Uuid()), electorate.c.id, false()),
            )
        )
        size = weight = result.rowcount  # type: ignore[attr-defined]
    else:
        size, weight, proxies = await _freeze_given(session, contest, scope, electors)
    if not size:
        raise ContestStateError(f"nobody can vote: there are no active members in {contest.scope}")
    contest.roll_snapshot_id = snapshot.id
    contest.roll_digest = snapshot.digest
    contest.electorate_size = size
    contest.electorate_weight = weight if contest.weighted else None
    contest.opened_at = now()
    facts: dict[str, str | int | bool | None] = {"electorate": size, "roll_snapshot": snapshot.id}
    if contest.weighted:
        facts["electorate_weight"] = weight
    if proxies:
        facts["proxies"] = proxies
    await _log(
        session,
        contest,
        "opened",
        actor,
        {"manifest": contest.manifest_digest, "roll": "sha256:" + snapshot.digest},
        facts,
    )
    return contest


_REWRITE_BALLOTS = [
    text("DELETE FROM contest_ballot WHERE contest_id = :c"),
    text(
        "INSERT INTO contest_ballot (id, contest_id, content, member_id) "
        "SELECT gen_random_uuid(), :c, content, member_id"
        " FROM unnest(CAST(:contents AS bytea[]), CAST(:members AS bigint[]))"
        " AS box(content, member_id) ORDER BY content, member_id"
    ),
]
_REWRITE_SECRET = [
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


async def _unsealed_box(
    session: AsyncSession, contest_id: uuid.UUID
) -> list[tuple[bytes, int | None]]:
    """The box's ballots in the clear (content, and the member in a recorded contest).

    ``SealError`` (the box stays open) when the contest's key is missing or a ballot was
    altered. Cost: one read of the box and one AES-GCM decryption per ballot.
    """
    rows = (
        await session.execute(
            select(ContestBallot.content, ContestBallot.member_id).where(
                ContestBallot.contest_id == contest_id
            )
        )
    ).all()
    key = ballot_keys().existing(contest_id) if rows else None
    return [(unseal(key, contest_id, bytes(content)), member) for content, member in rows]


async def _stale_keys(session: AsyncSession) -> set[uuid.UUID]:
    """Contests that hold a ballot key but are no longer open (a close whose process stopped
    between its commit and deleting the key): every close deletes theirs too. Cost: one
    indexed query over the few contests that hold a key."""
    held = ballot_keys().held()
    if not held:
        return set()
    still_open = await session.scalars(
        select(Contest.id).where(Contest.id.in_(held), Contest.state == "open")
    )
    return set(held) - set(still_open.all())


async def _rewrite_box(
    session: AsyncSession,
    contest_id: uuid.UUID,
    ballots: list[tuple[bytes, int | None]],
    *,
    secret: bool,
) -> None:
    """Replace the sealed ballots by the box in the clear, written afresh in canonical order
    under new random ids; in a secret contest also rewrite the receipts in byte order and
    touch every elector row.

    Casting writes a member's electorate row, their sealed ballot and their receipt hash in
    one transaction, so those rows share its id (PostgreSQL's ``xmin``) and sit in casting
    order on disk. The sealed rows can be linked to voters but not read, and once the close
    commits their key is deleted (``voting.sealing``); the clear ballots are written only
    here, all by the closing transaction, in an order that says nothing of who cast which.
    Cost: one delete and one insert of the box, one rewrite of the receipts and electorate.
    """
    params = {
        "c": contest_id,
        "contents": [content for content, _ in ballots],
        "members": [None if secret else member for _, member in ballots],
    }
    for statement in _REWRITE_BALLOTS:
        await session.execute(statement, params)
    if secret:
        for statement in _REWRITE_SECRET:
            await session.execute(statement, {"c": contest_id})


async def vacuum_box(engine: AsyncEngine) -> None:
    """Vacuum the tables a close rewrote, so the dead row versions of the casting transactions
    are reclaimed (run after the close commits; VACUUM cannot run inside a transaction). This
    is housekeeping: those versions hold sealed ballots whose key the close deleted."""
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
    ballots = await _unsealed_box(session, contest.id)
    voters = await session.scalar(
        select(func.count()).where(ContestElector.contest_id == contest.id, ContestElector.voted)
    )
    box = box_commitment([bytes(r) for r in receipts], [content for content, _ in ballots])
    voters = int(voters or 0)
    if not box.ballots == box.receipts == voters <= (contest.electorate_size or 0):
        raise DomainError(
            f"the box does not add up ({box.ballots} ballots, {box.receipts} receipts, "
            f"{voters} voters); it was left open",
            status=500,
            title="Ballot box integrity check failed",
        )
    await _rewrite_box(session, contest.id, ballots, secret=contest.secret)
    for closed_id in {contest.id, *await _stale_keys(session)}:
        forget_key_when_committed(session, closed_id)
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
    electorate = contest.electorate_weight if contest.weighted else contest.electorate_size
    result = count_contest(
        contest_manifest(contest, options), [bytes(c) for c in contents], electorate or 0
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
