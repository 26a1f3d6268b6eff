"""Mandatory reselection (issue 18): an office held for a term opens, a set time before the term
ends, an open selection in which the holder must be nominated and supported again; the
returning officer sees which selections are due."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar

from assembly.elections.election_ballots import declare_election, open_ballots
from assembly.elections.elections import touch_election
from assembly.elections.nominations import accept_nomination, nominate, support
from assembly.elections.reselection import reselections, touch_office
from schemas.elections import NominationCreate
from service.database import session_for
from service.web.session import SESSION_COOKIE
from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import ROLL, Hall
from tests.sessions import session_cookie
from tests.voting.conftest import import_roll

DAY = dt.timedelta(days=1)


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


async def test_the_holder_must_be_nominated_again_before_the_term_ends(
    hall: Hall, database_url: str, app: Litestar
) -> None:
    admin = hall.auth("ADMIN1", "admin")
    ends = (dt.datetime.now(dt.UTC) + 100 * DAY).replace(microsecond=0)
    body = {
        "title": "Glasgow branch secretary",
        "kind": "branch_officer",
        "scope": "branch:glasgow",
        "holder": "S1",
        "term_days": 365,
        "term_ends_at": ends.isoformat(),
        "reselection_days": 60,
        "recall_rules": {"nomination_rules": {"supporting_members": 2}},
    }
    short = {**body, "term_ends_at": (ends - 90 * DAY).isoformat()}
    refused = await hall.call("POST", "/offices", admin, short, 422)
    assert "no time for a selection" in refused["detail"]
    office = await hall.call("POST", "/offices", admin, body, 201)
    opens = ends - 60 * DAY
    assert dt.datetime.fromisoformat(office["reselection_opens_at"]) == opens

    await hall.call("GET", "/offices/reselections", "S1", None, 403)
    (listed,) = await hall.call("GET", "/offices/reselections", hall.ro)
    assert (listed["office"], listed["state"], listed["holder"]) == (
        office["id"],
        "scheduled",
        "S1",
    )

    office_id = uuid.UUID(office["id"])
    async with session_for(database_url) as session:
        (due,) = await reselections(session, at=opens)
        assert due.state == "due"  # what the returning officer's list shows before the clock
        before = await touch_office(session, office_id, at=opens - dt.timedelta(seconds=1))
        assert before.reselection_election_id is None
        after = await touch_office(session, office_id, at=opens)
        election_id = after.reselection_election_id
        assert election_id is not None
        await session.commit()
        election = await touch_election(session, election_id, at=opens)
        closes = election.nominations_close_at
        assert closes == opens + 14 * DAY  # the rules' nomination period, before the term ends

        # The holder is not standing by default: nominated and supported like any challenger.
        for candidate, backers in (("S1", ("S2", "S3")), ("S4", ("S5", "S6"))):
            made = await nominate(
                session,
                election_id,
                NominationCreate(post=1, candidate=candidate),
                subject=backers[0],
                at=opens,
            )
            await support(session, made.id, subject=backers[1], at=opens)
            await accept_nomination(session, made.id, "Next term.", subject=candidate, at=opens)
        await session.commit()
        await touch_election(session, election_id, at=closes)
        await open_ballots(session, election_id, created_by="RO1", at=closes)
        await session.commit()

    (listed,) = await hall.call("GET", "/offices/reselections", hall.ro)
    assert (listed["state"], listed["election"]) == ("open", str(election_id))
    cookie = await session_cookie(app, "RO1", ("returning_officer",))
    hall.client.cookies.set(SESSION_COOKIE, cookie)  # the returning officer's page
    desk = await hall.client.get("https://plenary.test/officer")
    hall.client.cookies.clear()
    assert desk.status_code == 200, desk.text
    assert "Selections for the next term" in desk.text
    assert "Glasgow branch secretary" in desk.text
    assert "Selection open" in desk.text
    shown = await hall.call("GET", f"/elections/{election_id}", "S2")
    contest = await hall.call("GET", f"/contests/{shown['posts'][0]['contest']}", "S2")
    for voter in ("S2", "S3", "S5"):
        await hall.cast(contest, voter, ["Scot 4"])
    await hall.cast(contest, "S6", ["Scot 1"])
    for verb in ("close", "count", "publish"):
        await hall.call("POST", f"/contests/{contest['id']}/{verb}", hall.ro)
    async with session_for(database_url) as session:
        await declare_election(session, election_id, created_by="RO1", at=closes)
        await session.commit()

    held = await hall.call("GET", f"/offices/{office['id']}", "S2")
    assert held["holder"] == "S4"
    assert dt.datetime.fromisoformat(held["term_ends_at"]) == ends + 365 * DAY
    assert held.get("reselection") is None
    (listed,) = await hall.call("GET", "/offices/reselections", hall.ro)
    assert listed["state"] == "scheduled"
    types = [e["type"] for e in await log_entries(database_url)]
    assert types.count("office.reselection_opened") == 1
    assert "office.filled" in types
