"""The hall screen (issue 16): the current item, its amendment under debate as a diff, the
speakers with the running speech's clock, the open vote's turnout and the result, and the
version a live feed watches. Real PostgreSQL, driven over the API as a conference is."""

from __future__ import annotations

import datetime as dt
import uuid

from assembly.meetings.hall_screen import hall_screen, screen_version
from assembly.meetings.speakers import call_next_speaker
from service.database import session_for
from tests.assembly.conftest import Chamber
from tests.assembly.test_chair_flow import TEXT, _in_session

T0 = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
REPLACE_1 = {"action": "replace", "start": 1, "paragraphs": ["Conference deplores the cuts."]}


async def test_the_screen_follows_the_item_its_debate_speakers_vote_and_result(
    chamber: Chamber, database_url: str
) -> None:
    conference, motion, (first, second) = await _in_session(
        chamber, [{"action": "delete", "start": 3}, REPLACE_1], speech_seconds=120
    )
    assembly_id, motion_id = uuid.UUID(conference["id"]), uuid.UUID(motion["id"])
    path = f"/motions/{motion['id']}/speakers"
    for member, side in (("S3", "for"), ("S4", "against")):
        await chamber.call("POST", path, member, {"side": side}, 201)

    async with session_for(database_url) as session:
        await call_next_speaker(session, motion_id, chair="CHAIR1", after=None, at=T0)
        await session.commit()
        before = await screen_version(session, assembly_id)
        screen = await hall_screen(session, assembly_id, at=T0 + dt.timedelta(seconds=30))
    assert (screen.item_number, screen.item_title) == (motion["number"], "Cuts")
    assert [line.text for line in screen.lines] == TEXT
    # Debated first: the amendment to line 1 (vote order follows the lines), as a diff.
    assert screen.debated is not None
    assert screen.debated.id == second["id"]
    assert [(d.change, d.text) for d in screen.debated.diff][:2] == [
        ("deleted", TEXT[0]),
        ("inserted", "Conference deplores the cuts."),
    ]
    assert screen.speakers is not None
    assert screen.speakers.speaking is not None
    assert screen.speakers.speaking.member == "S3"
    assert screen.speakers.seconds_left == 90
    assert screen.speech_ends_at == T0 + dt.timedelta(seconds=120)
    assert [s.member for s in screen.speakers.waiting] == ["S4"]
    assert screen.vote is None
    assert screen.result is None

    started = await chamber.chair_does(motion, "vote/start")
    await chamber.vote(started["open_contest"], {"S3": "for", "S4": "for", "S5": "against"})
    async with session_for(database_url) as session:
        voting = await screen_version(session, assembly_id)
        screen = await hall_screen(session, assembly_id)
    assert voting != before
    assert (voting.open_contest, voting.voted) == (started["open_contest"], 3)
    assert screen.vote is not None
    assert screen.vote.turnout is not None
    assert (screen.vote.amendment_number, screen.vote.turnout.voted) == (second["number"], 3)
    assert screen.debated is not None
    assert screen.debated.id == second["id"]

    after = await chamber.chair_does(motion, "vote/next")
    async with session_for(database_url) as session:
        screen = await hall_screen(session, assembly_id)
        assert await screen_version(session, assembly_id) == screen.version
    assert screen.result is not None
    assert (screen.result.amendment_number, screen.result.outcome) == (second["number"], "carried")
    assert screen.result.choices == {"for": 2, "against": 1, "abstain": 0}
    assert screen.lines[0].text == "Conference deplores the cuts."  # the text as amended
    assert screen.debated is not None
    assert screen.debated.id == first["id"]
    assert screen.vote is not None
    assert screen.vote.turnout is not None
    assert screen.version.open_contest == after["open_contest"]
    assert screen.vote.turnout.voted == 0


async def test_an_assembly_with_nothing_on_its_agenda_shows_just_its_title(
    chamber: Chamber, database_url: str
) -> None:
    conference = await chamber.assembly(title="Quiet", kind="conference")
    async with session_for(database_url) as session:
        screen = await hall_screen(session, uuid.UUID(conference["id"]))
    assert (screen.assembly_title, screen.item_number, screen.vote) == ("Quiet", None, None)


async def test_the_last_result_stays_up_until_the_next_item_has_one(
    chamber: Chamber, database_url: str
) -> None:
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders={"seconders_required": 0}
    )
    await chamber.move(conference, "motions_open")
    first = await chamber.motion(conference, "S1", title="Housing", paragraphs=["Build homes."])
    second = await chamber.motion(conference, "S2", title="Transport", paragraphs=["Run buses."])
    for motion in (first, second):
        await chamber.chair_does(motion, "admit")
    await chamber.move(conference, "amendments_open")
    await chamber.move(conference, "in_session")
    started = await chamber.chair_does(first, "vote/start")
    await chamber.vote(started["open_contest"], {"S3": "against", "S4": "against", "S5": "for"})
    await chamber.chair_does(first, "vote/next")
    async with session_for(database_url) as session:
        screen = await hall_screen(session, uuid.UUID(conference["id"]))
    assert (screen.item_number, screen.item_title) == (second["number"], "Transport")
    assert screen.vote is None
    assert screen.result is not None
    assert (screen.result.motion_title, screen.result.amendment_number) == ("Housing", None)
    assert screen.result.outcome == "lost"
    assert screen.result.choices == {"for": 1, "against": 2, "abstain": 0}
