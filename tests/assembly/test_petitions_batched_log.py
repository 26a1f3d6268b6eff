"""The public log counts petition signatures per interval, never one entry per signature
(issue 17, "Ballots the database cannot read beside a voter"; issue 18, "Who signed")."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.elections.offices import create_office
from assembly.petitions.petitions import (
    interval_end,
    sign_petition,
    start_petition,
    touch_petition,
    withdraw_signature,
)
from audit.store import read_entries
from roll.imports import import_roll_csv
from schemas.petitions import OfficeCreate, PetitionCreate, RecallRulesIn, ThresholdIn
from tests.assembly.test_elections import ROLL
from tests.due_work import settle

T0 = dt.datetime(2030, 1, 7, 10, 5, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


async def _entries(session: AsyncSession) -> list[dict[str, object]]:
    return [json.loads(e) for _, e in await read_entries(session, 0, 10_000)]


async def test_signatures_are_logged_as_one_count_per_interval_with_no_signer_timing(
    db_session: AsyncSession, database_url: str
) -> None:
    await import_roll_csv(db_session, ROLL.encode(), source="test")
    office = await create_office(
        db_session,
        OfficeCreate(
            title="Branch chair",
            kind="branch_officer",
            scope="branch:glasgow",
            holder="S1",
            recall_rules=RecallRulesIn(threshold=ThresholdIn(kind="number", value="5")),
        ),
        created_by="ADMIN1",
    )
    petition = await start_petition(
        db_session, office.id, PetitionCreate(reason="Absent."), subject="S2", at=T0
    )
    await db_session.commit()
    before = len(await _entries(db_session))

    # Three signatures and a withdrawal within one hour: nothing at all is logged for them.
    await sign_petition(db_session, petition.id, subject="S2", at=T0 + MINUTE)
    await sign_petition(db_session, petition.id, subject="S3", at=T0 + 7 * MINUTE)
    await withdraw_signature(db_session, petition.id, subject="S3", at=T0 + 8 * MINUTE)
    await sign_petition(db_session, petition.id, subject="S4", at=T0 + 20 * MINUTE)
    await db_session.commit()
    assert len(await _entries(db_session)) == before
    await touch_petition(db_session, petition.id, at=T0 + 50 * MINUTE)  # interval not over
    await db_session.commit()
    assert len(await _entries(db_session)) == before

    # Once the hour is over, one count for it, stamped with the interval and not a moment.
    end = interval_end(T0) + dt.timedelta(hours=1)
    await touch_petition(db_session, petition.id, at=end + 30 * dt.timedelta(seconds=1))
    await db_session.commit()
    entries = await _entries(db_session)
    (counted,) = entries[before:]
    assert counted["type"] == "petition.signatures_counted"
    assert counted["actor"] == "system"
    assert counted["facts"] == {
        "signatures": 2,
        "threshold": 5,
        "since": "2030-01-07T10:00:00Z",
        "until": "2030-01-07T11:00:00Z",
    }
    types = {e["type"] for e in entries}
    assert not types & {"petition.signed", "petition.signature_withdrawn"}
    # Unchanged since: nothing more, however often it is touched.
    await touch_petition(db_session, petition.id, at=end + 3 * dt.timedelta(hours=1))
    await db_session.commit()
    assert len(await _entries(db_session)) == before + 1

    # A later signature, hours after, is counted at the end of its own interval.
    await sign_petition(db_session, petition.id, subject="S5", at=end + 4 * dt.timedelta(hours=1))
    await touch_petition(db_session, petition.id, at=end + 5 * dt.timedelta(hours=1))
    await db_session.commit()
    last = (await _entries(db_session))[-1]
    assert last["facts"]["signatures"] == 3  # type: ignore[index]
    assert last["facts"]["since"] == "2030-01-07T15:00:00Z"  # type: ignore[index]

    # The due work runner's query for counts runs on the database's own clock (none due yet).
    assert [step for step in await settle(database_url) if step.what == "petition"] == []
