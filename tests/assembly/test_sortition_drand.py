"""A draw seeded by a real drand beacon, named in advance (issue 7, "Sortition").

The beacons in ``../shared/refdata/tlog/drand_beacons.json`` were published in 2023, so the
commitment is made at a moment (``at``) before the named round was due.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.sortition.sortition import create_sortition, volunteer
from assembly.sortition.sortition_draw import commit_sortition, draw_sortition
from assembly.sortition.sortition_record import DRAND_CHAINS, verify_record
from assembly.sortition.sortition_views import sortition_record
from roll.imports import import_roll_csv
from schemas.problems import DomainError
from schemas.sortition import BeaconIn, CommitIn, DrawIn, QuotaIn, SortitionCreate, SourceIn
from tests.assembly.test_elections import ROLL

BEACONS = Path(__file__).resolve().parents[2].parent / "shared" / "refdata" / "tlog"


def _quicknet() -> dict[str, Any]:
    path = BEACONS / "drand_beacons.json"
    if not path.is_file():
        pytest.skip(f"reference data absent: {path}")
    vectors = json.loads(path.read_text())["vectors"]
    vector: dict[str, Any] = next(v for v in vectors if "quicknet" in v["scheme"])
    return vector


async def test_draw_seeded_by_the_named_drand_round_checks_out(db_session: AsyncSession) -> None:
    beacon = _quicknet()
    due = dt.datetime.fromtimestamp(DRAND_CHAINS["quicknet"].due(beacon["round"]), dt.UTC)
    await import_roll_csv(db_session, ROLL.encode(), source="test")
    made = await create_sortition(
        db_session,
        SortitionCreate(
            title="Committee",
            role="Glasgow committee",
            scope="branch:glasgow",
            seats=4,
            features=["gender"],
            quotas=[QuotaIn(feature="gender", value="woman", min=2, max=2)],
        ),
        created_by="RO1",
    )
    sortition_id = made.id
    for n in range(1, 11):
        await volunteer(db_session, sortition_id, subject=f"S{n}", at=due - dt.timedelta(hours=1))
    await db_session.commit()

    named = CommitIn(source=SourceIn(kind="drand", chain="quicknet", round=beacon["round"]))
    with pytest.raises(DomainError, match="before this commitment"):
        await commit_sortition(db_session, sortition_id, named, at=due)
    await db_session.rollback()
    await commit_sortition(db_session, sortition_id, named, at=due - dt.timedelta(minutes=1))
    await db_session.commit()

    wrong_round = BeaconIn(
        round=beacon["round"] + 1, randomness=beacon["randomness"], signature=beacon["signature"]
    )
    with pytest.raises(DomainError, match="the commitment named round 657413"):
        await draw_sortition(db_session, sortition_id, DrawIn(beacon=wrong_round))
    await db_session.rollback()
    forged = BeaconIn(round=beacon["round"], randomness="00" * 32, signature=beacon["signature"])
    with pytest.raises(DomainError, match="not SHA-256 of its signature"):
        await draw_sortition(db_session, sortition_id, DrawIn(beacon=forged))
    await db_session.rollback()

    real = BeaconIn(
        round=beacon["round"], randomness=beacon["randomness"], signature=beacon["signature"]
    )
    drawn = await draw_sortition(db_session, sortition_id, DrawIn(beacon=real))
    await db_session.commit()
    record = sortition_record(drawn)
    assert verify_record(record) == []
    women = [p for p in record["panel"] if int(p["membership_number"][1:]) % 2]
    assert len(women) == 2
    record["randomness"]["randomness"] = "11" * 32
    assert verify_record(record)
