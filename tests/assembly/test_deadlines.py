"""Deadlines and timetabled steps, against real PostgreSQL (issue 6, "Assemblies")."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.meetings.assemblies import create_assembly, touch_assembly
from assembly.meetings.timetable import WindowClosed, when
from assembly.motions.amendments import submit_amendment
from assembly.motions.motions import submit_motion
from audit.store import read_entries
from roll.imports import import_roll_csv
from schemas.assemblies import AmendmentCreate, AssemblyCreate, MotionCreate, TimetableIn
from tests.assembly.conftest import ROLL, Chamber, log_entries

HOUR = dt.timedelta(hours=1)


async def test_timetable_moves_the_assembly_when_next_touched_and_windows_close(
    db_session: AsyncSession,
) -> None:
    await import_roll_csv(db_session, ROLL.encode(), source="test")
    t0 = dt.datetime.now(dt.UTC) + 24 * HOUR  # all in the future: only ``at`` moves time
    times = TimetableIn(
        opens_at=t0,
        motions_deadline=t0 + HOUR,
        amendments_deadline=t0 + 2 * HOUR,
        session_starts_at=t0 + 3 * HOUR,
        session_ends_at=t0 + 4 * HOUR,
    )
    assembly = await create_assembly(
        db_session,
        AssemblyCreate(title="Spring", kind="conference", timetable=times),
        created_by="A",
    )
    assembly_id = assembly.id
    await db_session.commit()
    with pytest.raises(WindowClosed, match="not open yet"):
        await submit_motion(
            db_session,
            assembly_id,
            MotionCreate(title="Early", category="policy", paragraphs=["x"]),
            subject="S1",
            at=t0 - HOUR,
        )
    await db_session.rollback()

    motion = await submit_motion(
        db_session,
        assembly_id,
        MotionCreate(title="On time", category="policy", paragraphs=["a", "b"]),
        subject="S1",
        at=t0 + HOUR / 2,
    )
    motion_id = motion.id
    await db_session.commit()
    assert (await touch_assembly(db_session, assembly_id, at=t0 + HOUR / 2)).state == "motions_open"

    with pytest.raises(WindowClosed, match=f"motions deadline, {when(t0 + HOUR)}"):
        await submit_motion(
            db_session,
            assembly_id,
            MotionCreate(title="Late", category="policy", paragraphs=["x"]),
            subject="S2",
            at=t0 + HOUR,
        )
    await db_session.rollback()

    change = AmendmentCreate(action="delete", start=2)
    await submit_amendment(db_session, motion_id, change, subject="S3", at=t0 + 90 * HOUR / 60)
    await db_session.commit()
    with pytest.raises(WindowClosed, match=f"amendments deadline, {when(t0 + 2 * HOUR)}"):
        await submit_amendment(db_session, motion_id, change, subject="S4", at=t0 + 2 * HOUR)
    await db_session.rollback()

    closed = await touch_assembly(db_session, assembly_id, at=t0 + 5 * HOUR)
    await db_session.commit()
    assert closed.state == "closed"
    entries = [json.loads(e) for _, e in await read_entries(db_session, 0, 1000)]
    steps = [
        (e["facts"]["to"], e["actor"], e["facts"]["due"])
        for e in entries
        if e["type"] == "assembly.state_changed"
    ]
    assert steps == [
        ("motions_open", "system", when(t0)),
        ("amendments_open", "system", when(t0 + HOUR)),
        ("in_session", "system", when(t0 + 3 * HOUR)),
        ("closed", "system", when(t0 + 4 * HOUR)),
    ]


async def test_past_deadline_is_refused_over_http_with_the_deadline(
    chamber: Chamber, database_url: str
) -> None:
    now = dt.datetime.now(dt.UTC)
    deadline = now - HOUR
    assembly = await chamber.assembly(
        title="Regional assembly",
        kind="regional_assembly",
        scope="region:SCO",
        timetable={
            "opens_at": (now - 2 * HOUR).isoformat(),
            "motions_deadline": deadline.isoformat(),
            "session_starts_at": (now + HOUR).isoformat(),
        },
    )
    # Granting its chair touched it: the two steps that were due have been taken.
    assert assembly["state"] == "amendments_open"
    refused = await chamber.motion(assembly, "S1", title="Late", paragraphs=["x"], expect=409)
    assert refused["title"] == "Outside the submission window"
    assert when(deadline) in refused["detail"]
    # The chair can move it on by hand, one step at a time only.
    await chamber.move(assembly, "closed", expect=409)
    assert (await chamber.move(assembly, "in_session"))["state"] == "in_session"
    # Not visible outside its scope, and no chair role without a grant on it.
    await chamber.call("GET", f"/assemblies/{assembly['id']}", "W1", expect=404)
    await chamber.call(
        "POST",
        f"/assemblies/{assembly['id']}/state",
        chamber.auth("CHAIR2", "chair"),
        {"to": "closed"},
        403,
    )
    entries = await log_entries(database_url)
    moves = [
        (e["actor"], e["facts"]["to"])
        for e in entries
        if e["type"] == "assembly.state_changed" and e["subjects"]["assembly"] == assembly["id"]
    ]
    assert moves == [
        ("system", "motions_open"),
        ("system", "amendments_open"),
        ("chair", "in_session"),
    ]


async def test_every_assembly_and_motion_endpoint_is_in_openapi(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    ours = {p for p in paths if p.startswith(("/api/v1/assemblies", "/api/v1/motions"))}
    assert {
        "/api/v1/assemblies",
        "/api/v1/assemblies/{assembly_id}/record.md",
        "/api/v1/motions/{motion_id}/vote/next",
        "/api/v1/motions/{motion_id}/amendments/{amendment_id}/reinstate",
    } <= ours
    assert len(ours) >= 20
