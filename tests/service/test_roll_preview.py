"""What a roll file would change, worked out before importing it (``roll.preview``)."""

from __future__ import annotations

import hashlib

import pytest

from roll.imports import import_roll_csv
from roll.parse import RollError
from roll.preview import preview_roll_csv
from service.database import session_for

FIRST = (
    b"membership_number,name,email,branch,region,status,gender\n"
    b"A1,Ann Bell,ann@x.org,glasgow,SCO,active,woman\n"
    b"A2,Bo Chan,bo@x.org,cardiff,WAL,active,man\n"
    b"A3,Cy Dee,cy@x.org,cardiff,WAL,active,\n"
    b"A4,Di Eve,di@x.org,glasgow,SCO,active,\n"
)

SECOND = (
    b"membership_number,name,email,branch,region,status,gender\n"
    b"A1,Ann Bell,ann@x.org,glasgow,SCO,active,woman\n"  # unchanged
    b"A2,Bo Chan,bo@new.org,cardiff,WAL,active,man\n"  # email updated
    b"A3,Cy Dee,cy@x.org,cardiff,WAL,suspended,\n"  # status change
    b"A4,Di Eve,di@x.org,swansea,WAL,lapsed,\n"  # moved and status change
    b"A5,Ed Fox,ed@x.org,leeds,YH,active,\n"  # new, in a new branch and region
)


async def test_a_preview_names_every_change_and_writes_nothing(database_url: str) -> None:
    async with session_for(database_url) as session:
        await import_roll_csv(session, FIRST, source="test")
        await session.commit()
    async with session_for(database_url) as session:
        preview = await preview_roll_csv(session, SECOND)
        await session.rollback()
    assert preview.file_digest == hashlib.sha256(SECOND).hexdigest()
    assert preview.rows == 5
    assert [r.membership_number for r in preview.new] == ["A5"]
    assert [r.membership_number for r in preview.updated] == ["A2"]
    assert [(c.membership_number, c.before, c.after) for c in preview.status_changes] == [
        ("A3", "active", "suspended"),
        ("A4", "active", "lapsed"),
    ]
    assert [(c.membership_number, c.before, c.after) for c in preview.moves] == [
        ("A4", "glasgow", "swansea")
    ]
    assert preview.unchanged == 1
    assert preview.regions_created == ("YH",)
    assert preview.branches_created == ("leeds", "swansea")
    assert preview.snapshot_id is not None

    async with session_for(database_url) as session:
        again = await preview_roll_csv(session, SECOND)
        imported = await import_roll_csv(session, SECOND, source="test")
    assert again == preview, "previewing changed nothing"
    assert imported.created == len(preview.new)
    assert imported.regions_created == preview.regions_created
    assert imported.branches_created == preview.branches_created


async def test_a_preview_refuses_what_the_import_would_refuse(database_url: str) -> None:
    async with session_for(database_url) as session:
        await import_roll_csv(session, FIRST, source="test")
        await session.commit()
        moved_region = FIRST.replace(b"cardiff,WAL", b"cardiff,SCO")
        with pytest.raises(RollError) as refused:
            await preview_roll_csv(session, moved_region)
        assert [p.line for p in refused.value.problems] == [3]
        assert "branch cardiff is in region WAL on the roll, not SCO" in str(refused.value.detail)
        with pytest.raises(RollError) as bad:
            await preview_roll_csv(session, FIRST + b"A9,,nobody,glasgow,SCO,gone,\n")
        assert {p.line for p in bad.value.problems} == {6}
        assert len(bad.value.problems) == 3  # empty name, bad email, unknown status


async def test_the_first_roll_is_all_new(database_url: str) -> None:
    async with session_for(database_url) as session:
        preview = await preview_roll_csv(session, FIRST)
    assert len(preview.new) == 4
    assert preview.snapshot_id is None
    assert preview.unchanged == 0
