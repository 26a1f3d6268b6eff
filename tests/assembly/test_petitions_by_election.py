"""A recalled office's by-election fills the same office (issue 7, "Recall petitions")."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.election_ballots import declare_election, open_ballots
from assembly.elections.elections import posts_of, touch_election
from assembly.elections.nominations import accept_nomination, nominate
from assembly.elections.offices import create_office, load_office, vacate_office
from roll.imports import import_roll_csv
from roll.models import Member
from schemas.elections import NominationCreate
from schemas.petitions import NominationRulesIn, OfficeCreate, RecallRulesIn
from tests.assembly.test_elections import ROLL


async def test_by_election_opened_by_a_recall_fills_the_vacant_office(
    db_session: AsyncSession,
) -> None:
    await import_roll_csv(db_session, ROLL.encode(), source="test")
    rules = RecallRulesIn(
        nomination_days=7, nomination_rules=NominationRulesIn(supporting_members=1)
    )
    office = await create_office(
        db_session,
        OfficeCreate(
            title="Branch chair",
            kind="branch_officer",
            scope="branch:glasgow",
            holder="S1",
            recall_rules=rules,
        ),
        created_by="ADMIN1",
    )
    office_id = office.id
    t0 = dt.datetime.now(dt.UTC)
    by_election = await vacate_office(db_session, office, petition_id=uuid.uuid4(), at=t0)
    assert by_election is not None
    election_id = by_election.id
    await db_session.commit()
    assert by_election.nominations_close_at == t0 + dt.timedelta(days=7)
    (post,) = await posts_of(db_session, election_id)
    assert (post.scope, post.seats, post.office_id, post.office_kind) == (
        "branch:glasgow",
        1,
        office_id,
        "branch_officer",
    )

    made = await nominate(
        db_session, election_id, NominationCreate(post=1, candidate="S3"), subject="S4", at=t0
    )
    await accept_nomination(db_session, made.id, "I will chair fairly.", subject="S3", at=t0)
    await db_session.commit()
    closes = t0 + dt.timedelta(days=7)
    assert (await touch_election(db_session, election_id, at=closes)).state == (
        "nominations_closed"
    )
    await open_ballots(db_session, election_id, created_by="RO1", at=closes)
    await declare_election(db_session, election_id, created_by="RO1", at=closes)
    await db_session.commit()

    filled = await load_office(db_session, office_id)
    holder = await db_session.get_one(Member, filled.holder_member_id)
    assert (filled.state, holder.membership_number) == ("held", "S3")
