"""Casting: one member, one vote, claimed and stored in one transaction.

The member's electorate row is claimed (``voted`` false → true) in the same transaction that
stores the ballot and the receipt hash. Of two concurrent casts by one member the second waits
on the row lock, then finds it claimed: exactly one succeeds. The contest row is held with a key
share lock, so a close (which locks it for update) waits for casts in flight and no ballot
lands after the box is committed. The caller commits before answering, so an acknowledged vote
is durable.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.contests import BallotIn, Receipt
from schemas.problems import DomainError
from voting.ballots import encode_ballot
from voting.box import new_receipt
from voting.lifecycle import ContestNotFound, ContestStateError
from voting.models import Contest, ContestBallot, ContestOption, ContestReceipt

__all__ = ["AlreadyVoted", "NotInElectorate", "cast_ballot"]


class NotInElectorate(DomainError):
    status = 403
    title = "Not in this contest's electorate"


class AlreadyVoted(DomainError):
    status = 409
    title = "Already voted"


_CLAIM = text(
    "UPDATE contest_elector e SET voted = true FROM member m "
    "WHERE e.contest_id = :contest AND e.member_id = m.id AND m.membership_number = :number "
    "AND NOT e.voted RETURNING e.member_id"
)
_ELECTOR = text(
    "SELECT e.voted FROM contest_elector e JOIN member m ON m.id = e.member_id "
    "WHERE e.contest_id = :contest AND m.membership_number = :number"
)


async def cast_ballot(
    session: AsyncSession, contest_id: uuid.UUID, membership_number: str, ballot: BallotIn
) -> Receipt:
    """Record ``ballot`` for the member and return their receipt. Caller commits.

    Errors: 404 no such contest; 409 not open or already voted; 422 invalid ballot; 403 not
    in the electorate. On any error nothing is written. Cost: four short statements.
    """
    row = (
        await session.execute(
            select(Contest.kind, Contest.state, Contest.secret, Contest.scope)
            .where(Contest.id == contest_id)
            .with_for_update(key_share=True, read=True)
        )
    ).first()
    if row is None:
        raise ContestNotFound(f"there is no contest {contest_id}")
    kind, state, secret, scope = row
    if state != "open":
        raise ContestStateError(f"this contest is {state}, not open for voting")
    option_ids = [
        str(i)
        for i in (
            await session.scalars(
                select(ContestOption.id)
                .where(ContestOption.contest_id == contest_id)
                .order_by(ContestOption.position)
            )
        ).all()
    ]
    content = encode_ballot(kind, option_ids, ballot)
    params = {"contest": contest_id, "number": membership_number}
    member_id = await session.scalar(_CLAIM, params)
    if member_id is None:
        voted = await session.scalar(_ELECTOR, params)
        if voted:
            raise AlreadyVoted("you have already voted in this contest; a vote cannot be changed")
        raise NotInElectorate(
            f"you are not in the electorate of this contest ({scope}): it is for the active "
            "members in that scope when it opened"
        )
    token, receipt_hash = new_receipt(contest_id)
    await session.execute(
        insert(ContestBallot).values(
            id=uuid.uuid4(),
            contest_id=contest_id,
            content=content,
            member_id=None if secret else member_id,
        )
    )
    await session.execute(
        insert(ContestReceipt).values(contest_id=contest_id, receipt_hash=receipt_hash)
    )
    return Receipt(
        contest=str(contest_id),
        receipt=token,
        receipt_hash=receipt_hash.hex(),
        check=f"/api/v1/contests/{contest_id}/receipts/{receipt_hash.hex()}",
    )
