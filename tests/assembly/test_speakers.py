"""The speakers list (issue 16): members ask to speak for or against and withdraw, the chair
calls the next, alternating as standing orders say, each speech timed on an injected clock."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from assembly.meetings.speakers import call_next_speaker, speakers_of
from assembly.motions.motions import load_motion
from service.database import session_for
from tests.assembly.conftest import Chamber, log_entries

T0 = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)


async def _item(chamber: Chamber, **orders: Any) -> dict[str, Any]:
    orders.setdefault("seconders_required", 0)
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders=orders
    )
    await chamber.move(conference, "motions_open")
    motion: dict[str, Any] = await chamber.motion(
        conference, "S1", title="Housing", paragraphs=["Build homes."]
    )
    await chamber.chair_does(motion, "admit")
    return motion


async def test_members_ask_to_speak_and_the_chair_alternates_for_and_against(
    chamber: Chamber, database_url: str
) -> None:
    motion = await _item(chamber, speech_seconds=120)
    path = f"/motions/{motion['id']}/speakers"
    for member, side in (("S2", "for"), ("S3", "for"), ("S4", "against"), ("E1", "for")):
        await chamber.call("POST", path, member, {"side": side}, 201)
    await chamber.call("POST", path, "S2", {"side": "against"}, 409)  # once at a time
    await chamber.call("POST", path, "W1", {"side": "for"}, 201)  # national: Wales too
    await chamber.call("DELETE", f"{path}/me", "E1")
    await chamber.call("DELETE", f"{path}/me", "E1", expect=404)
    listed = await chamber.call("GET", path, "S1")
    assert [(s["member"], s["side"]) for s in listed["waiting"]] == [
        ("S2", "for"),
        ("S4", "against"),
        ("S3", "for"),
        ("W1", "for"),
    ]
    await chamber.call("POST", f"{path}/next", "S1", {"after": None}, 403)  # only the chair

    first = await chamber.call("POST", f"{path}/next", chamber.chair, {"after": None})
    assert first["speaking"]["member"] == "S2"
    repeated = await chamber.call("POST", f"{path}/next", chamber.chair, {"after": None})
    assert repeated["speaking"]["member"] == "S2"  # a repeated press calls nobody else
    after = {"after": first["speaking"]["id"]}
    second = await chamber.call("POST", f"{path}/next", chamber.chair, after)
    assert (second["speaking"]["member"], second["speaking"]["side"]) == ("S4", "against")
    assert second["spoken"] == 1
    assert [s["member"] for s in second["waiting"]] == ["S3", "W1"]

    kinds = [
        e["type"]
        for e in await log_entries(database_url)
        if e["subjects"].get("motion") == motion["id"]
    ]
    assert kinds.count("speaker.asked") == 5
    assert kinds.count("speaker.called") == 2
    assert "S2" not in str(await log_entries(database_url))


async def test_the_speech_clock_runs_from_the_call_on_the_clock_given(
    chamber: Chamber, database_url: str
) -> None:
    motion = await _item(chamber, speech_seconds=90, speakers_alternate=False)
    path = f"/motions/{motion['id']}/speakers"
    for member, side in (("S2", "for"), ("S3", "for"), ("S4", "against")):
        await chamber.call("POST", path, member, {"side": side}, 201)
    async with session_for(database_url) as session:
        row = await load_motion(session, uuid.UUID(motion["id"]))
        await call_next_speaker(session, row.id, chair="CHAIR1", after=None, at=T0)
        await session.commit()
        shown = await speakers_of(session, row, at=T0 + dt.timedelta(seconds=30))
        assert shown.speaking is not None
        assert shown.speaking.member == "S2"
        assert shown.seconds_left == 60
        late = await speakers_of(session, row, at=T0 + dt.timedelta(seconds=100))
        assert late.seconds_left == -10  # over time shows as negative
        # Not alternating: the next is the earliest waiting, on the same side.
        assert [s.member for s in late.waiting] == ["S3", "S4"]
        later = T0 + dt.timedelta(seconds=95)
        await call_next_speaker(session, row.id, chair="CHAIR1", after=shown.speaking.id, at=later)
        await session.commit()
        now_speaking = await speakers_of(session, row, at=later)
        assert now_speaking.speaking is not None
        assert (now_speaking.speaking.member, now_speaking.seconds_left) == ("S3", 90)
        assert now_speaking.spoken == 1
