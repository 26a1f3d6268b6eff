"""Casting: one member, one vote, claimed and stored in one transaction.

The member's electorate row is claimed (``voted`` false → true) in the same transaction that
stores the ballot and the receipt hash. Of two concurrent casts by one member the second waits
on the row lock, then finds it claimed: exactly one succeeds. The contest row is held with a key
share lock, so a close (which locks it for update) waits for casts in flight and no ballot
lands after the box is committed. The caller commits before answering, so an acknowledged vote
is durable. What is stored is the ballot sealed under the contest's key (``voting.sealing``),
which the database never holds: the rows of one cast share a transaction, but the ballot row
cannot be read.

Speed (1,000 votes a second is the aim): the lock, the claim and both inserts are one
statement (data-modifying CTEs), so a cast is BEGIN, that statement and COMMIT — three round
trips instead of seven. What a ballot is checked against (the contest's kind, scope and its
options in order) cannot change once a contest is open, so each process keeps it for open
contests it has seen and checks the ballot before starting to write; the state itself is
always read under the lock.

Card votes and proxies: in a weighted contest the ballot carries the weight of the elector it is
cast for, read from their frozen electorate row before the statement (the row's weight cannot
change once the contest is open), so a weighted cast costs one more read. A proxy casts with
``on_behalf_of`` the member who named them: the claim then takes that member's row only if it
names the caller as its proxy (frozen when the contest opened), and the proxy's own vote is a
separate cast of their own row.

On time: a vote whose transaction starts at or after the contest's ``closes_at`` is refused
even if the box is still open (the due work runner, ``service.due_work``, closes it within about
a second, or when a service next runs), so the closing time holds to the database's clock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from roll.members import MEMBER_ID_OF_NUMBER
from roll.viewer import viewer_for
from schemas.contests import BallotIn, Receipt
from schemas.problems import DomainError
from voting.ballots import InvalidBallot, encode_ballot, longest_content
from voting.box import new_receipt
from voting.lifecycle import ContestNotFound, ContestStateError
from voting.models import Contest, ContestOption
from voting.sealing import ballot_keys, seal

__all__ = ["AlreadyVoted", "NotInElectorate", "cast_ballot"]


class NotInElectorate(DomainError):
    status = 403
    title = "Not in this contest's electorate"


class AlreadyVoted(DomainError):
    status = 409
    title = "Already voted"


@dataclass(frozen=True, slots=True)
class _Paper:
    """What a ballot is checked against: fixed from the moment a contest opens."""

    kind: str
    scope: str
    option_ids: tuple[str, ...]
    weighted: bool = False


_PAPERS: OrderedDict[uuid.UUID, _Paper] = OrderedDict()
_PAPERS_KEPT = 256

# Lock the contest (key share), claim the member's electorate row if the contest is open and
# they have not voted, and store the ballot and the receipt hash only if the claim held. The
# ballot names the member only in a recorded (not secret) contest. The member is found by the
# roll's own expression for "the member with this number" (one statement, no join on its table).
_CAST_SQL = (
    "WITH locked AS ("
    " SELECT state, secret, closes_at, closes_at <= now() AS late"
    " FROM contest WHERE id = :contest FOR KEY SHARE"
    "), claimed AS ("
    " UPDATE contest_elector e SET voted = true FROM locked c"
    " WHERE c.state = 'open' AND c.late IS NOT TRUE"
    " AND e.contest_id = :contest AND e.member_id = :member_of_number AND NOT e.voted"
    " RETURNING e.member_id, c.secret"
    "), ballot AS ("
    " INSERT INTO contest_ballot (id, contest_id, content, member_id)"
    " SELECT CAST(:ballot AS uuid), CAST(:contest AS uuid), CAST(:content AS bytea),"
    " CASE WHEN secret THEN NULL ELSE member_id END FROM claimed"
    "), receipt AS ("
    " INSERT INTO contest_receipt (contest_id, receipt_hash)"
    " SELECT CAST(:contest AS uuid), CAST(:receipt AS bytea) FROM claimed"
    ") SELECT l.state, l.closes_at, l.late, (SELECT member_id FROM claimed) AS member_id"
    " FROM (SELECT 1) one LEFT JOIN locked l ON true"
)
_CAST = text(_CAST_SQL.replace(":member_of_number", MEMBER_ID_OF_NUMBER))
# A proxy's cast claims the row of the member who named them (``:holder``), and only if that
# row names the caller (``:number``) as its proxy.
_HOLDER_ID = MEMBER_ID_OF_NUMBER.replace(":number", ":holder")
_CAST_AS_PROXY = text(
    _CAST_SQL.replace(
        "e.member_id = :member_of_number",
        f"e.member_id = {_HOLDER_ID} AND e.proxy_member_id = {MEMBER_ID_OF_NUMBER}",
    )
)
_ELECTOR = text(
    "SELECT e.voted FROM contest_elector e "
    "WHERE e.contest_id = :contest AND e.member_id = :member_of_number".replace(
        ":member_of_number", MEMBER_ID_OF_NUMBER
    )
)
_PROXY_ELECTOR = text(
    "SELECT e.voted FROM contest_elector e WHERE e.contest_id = :contest"
    " AND e.member_id = :holder_of_number AND e.proxy_member_id = :member_of_number".replace(
        ":holder_of_number", _HOLDER_ID
    ).replace(":member_of_number", MEMBER_ID_OF_NUMBER)
)
_WEIGHT = text(
    "SELECT e.weight FROM contest_elector e "
    "WHERE e.contest_id = :contest AND e.member_id = :member_of_number".replace(
        ":member_of_number", MEMBER_ID_OF_NUMBER
    )
)


async def _paper(session: AsyncSession, contest_id: uuid.UUID) -> _Paper:
    """The contest's ballot paper, from this process's memory once it has been seen open.

    Errors: 404 no such contest; 409 not open. Cost: nothing when kept, else two short reads.
    """
    kept = _PAPERS.get(contest_id)
    if kept is not None:
        return kept
    row = (
        await session.execute(
            select(Contest.kind, Contest.state, Contest.scope, Contest.weighted).where(
                Contest.id == contest_id
            )
        )
    ).first()
    if row is None:
        raise ContestNotFound(f"there is no contest {contest_id}")
    kind, state, scope, weighted = row
    if state != "open":
        raise ContestStateError(f"this contest is {state}, not open for voting")
    option_ids = (
        await session.scalars(
            select(ContestOption.id)
            .where(ContestOption.contest_id == contest_id)
            .order_by(ContestOption.position)
        )
    ).all()
    paper = _Paper(kind, scope, tuple(str(i) for i in option_ids), bool(weighted))
    _PAPERS[contest_id] = paper
    if len(_PAPERS) > _PAPERS_KEPT:
        _PAPERS.popitem(last=False)
    return paper


async def _state(session: AsyncSession, contest_id: uuid.UUID) -> str:
    state = await session.scalar(select(Contest.state).where(Contest.id == contest_id))
    if state is None:
        raise ContestNotFound(f"there is no contest {contest_id}")
    return state


@dataclass(frozen=True, slots=True)
class _Seen:
    state: str
    scope: str


async def _unless_hidden(
    session: AsyncSession,
    contest_id: uuid.UUID,
    number: str,
    roles: frozenset[str],
    refusal: Exception,
) -> Exception:
    """``refusal``, or a 404 like the one a read gives when the member may not see the contest
    (a draft, another scope): a refusal never tells what a read hides. Only refusals pay for
    this lookup."""
    row = (
        await session.execute(select(Contest.state, Contest.scope).where(Contest.id == contest_id))
    ).first()
    viewer = await viewer_for(session, number, roles)
    if row is None or not viewer.may_see(_Seen(row.state, row.scope)):
        return ContestNotFound(f"there is no contest {contest_id} that you can see")
    return refusal


async def cast_ballot(
    session: AsyncSession,
    contest_id: uuid.UUID,
    membership_number: str,
    ballot: BallotIn,
    roles: frozenset[str] = frozenset({"member"}),
) -> Receipt:
    """Record ``ballot`` for the member and return their receipt. Caller commits.

    Errors: 404 no such contest; 409 not open or already voted; 422 invalid ballot; 403 not
    in the electorate; a 404, as a read would give, instead of any of these when ``roles`` do
    not let the member see the contest. With ``ballot.on_behalf_of`` the member casts as the
    proxy of that member (403 unless that member named them before the contest opened). On any
    error nothing is written. Cost: one statement (after the first cast in a contest, which
    also reads its ballot paper; a card vote reads the elector's weight first).
    """
    holder = ballot.on_behalf_of
    try:
        paper = await _paper(session, contest_id)
    except ContestStateError as refused:
        raise await _unless_hidden(session, contest_id, membership_number, roles, refused) from None
    weight = 1
    if paper.weighted:
        weight = (
            await session.scalar(
                _WEIGHT, {"contest": contest_id, "number": holder or membership_number}
            )
            or 1
        )
    try:
        content = encode_ballot(paper.kind, paper.option_ids, ballot, weight=weight)
    except InvalidBallot as invalid:
        state = await _state(session, contest_id)  # a closed contest says so first
        why: Exception = invalid
        if state != "open":
            why = ContestStateError(f"this contest is {state}, not open for voting")
        raise await _unless_hidden(session, contest_id, membership_number, roles, why) from None
    token, receipt_hash = new_receipt(contest_id)
    keys = ballot_keys()
    padded_to = longest_content(paper.kind, len(paper.option_ids))
    content = seal(keys.key(contest_id), contest_id, content, padded_to)
    params = {"contest": contest_id, "number": membership_number}
    statement = _CAST if holder is None else _CAST_AS_PROXY
    values = {**params, "ballot": uuid.uuid4(), "content": content, "receipt": receipt_hash}
    if holder is not None:
        values["holder"] = holder
    state, closes_at, late, member_id = (await session.execute(statement, values)).one()
    if state is None:
        raise ContestNotFound(f"there is no contest {contest_id}")
    refusal: Exception | None = None
    if state != "open":
        keys.forget(contest_id)  # closed for good (a draft never reaches here): its key goes
        refusal = ContestStateError(f"this contest is {state}, not open for voting")
    elif late:
        refusal = ContestStateError(
            f"voting in this contest closed at {closes_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
        )
    elif member_id is None and holder is not None:
        # Whether the holder's vote is cast is told only to the proxy they named.
        voted = await session.scalar(_PROXY_ELECTOR, {**params, "holder": holder})
        if voted:
            raise AlreadyVoted(
                f"member {holder}'s vote in this contest has been cast; it cannot be changed"
            )
        refusal = NotInElectorate(
            f"you do not hold member {holder}'s proxy in this contest: a proxy counts only if "
            "it was named before the vote opened"
        )
    elif member_id is None:
        voted = await session.scalar(_ELECTOR, params)
        if voted:
            raise AlreadyVoted("you have already voted in this contest; a vote cannot be changed")
        refusal = NotInElectorate(
            f"you are not in the electorate of this contest ({paper.scope}): it is for the "
            "active members in that scope when it opened"
        )
    if refusal is not None:
        # Nothing was written; let go of the contest's key-share lock before looking further,
        # so that refusals in a stream of late casts cannot starve the close.
        await session.rollback()
        raise await _unless_hidden(session, contest_id, membership_number, roles, refusal)
    return Receipt(
        contest=str(contest_id),
        receipt=token,
        receipt_hash=receipt_hash.hex(),
        check=f"/api/v1/contests/{contest_id}/receipts/{receipt_hash.hex()}",
    )
