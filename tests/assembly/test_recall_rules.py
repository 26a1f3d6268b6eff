"""Recall that cannot be gamed (issue 18): a quorum by default, a timed ballot that closes on
its time and not before, and a ballot that names the person and the office recalled."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service.database import session_for
from tests.assembly.test_elections import ROLL, Hall
from tests.assembly.test_petitions import close_on_time
from tests.due_work import settle
from tests.voting.conftest import import_roll
from voting.lifecycle import close_contest


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


def _office_body(**recall_rules: Any) -> dict[str, Any]:
    return {
        "title": "Glasgow branch secretary",
        "kind": "branch_officer",
        "scope": "branch:glasgow",
        "holder": "S1",
        "recall_rules": {"threshold": {"kind": "number", "value": "2"}, **recall_rules},
    }


async def test_recall_rules_without_a_quorum_are_refused(hall: Hall) -> None:
    admin = hall.auth("ADMIN1", "admin")
    refused = await hall.call(
        "POST", "/offices", admin, _office_body(majority={"threshold": "1/2"}), 422
    )
    assert refused["detail"].startswith("a recall ballot needs a quorum")
    assert await hall.call("GET", "/offices", admin) == []
    office = await hall.call("POST", "/offices", admin, _office_body(), 201)
    assert office["recall_rules"]["majority"]["quorum"] == {
        "kind": "fraction_of_electorate",
        "value": "1/4",
    }


async def test_a_recall_carried_by_one_vote_is_inquorate_and_cannot_be_closed_early(
    hall: Hall, database_url: str
) -> None:
    admin = hall.auth("ADMIN1", "admin")
    office = await hall.call("POST", "/offices", admin, _office_body(), 201)
    petition = await hall.call(
        "POST", f"/offices/{office['id']}/petitions", "S2", {"reason": "Absent."}, 201
    )
    for member in ("S2", "S3"):
        await hall.call("POST", f"/petitions/{petition['id']}/signatures", member, None, 201)
    reached = await hall.call("GET", f"/petitions/{petition['id']}", "S2")
    contest = await hall.call("GET", f"/contests/{reached['recall_contest']}", "S4")
    # The ballot names the person and the office.
    assert contest["title"] == "Recall Scot 1 (S1) from the office of Glasgow branch secretary"
    assert contest["majority"]["quorum"] == {"kind": "fraction_of_electorate", "value": "1/4"}

    # The attack: one yes vote, then close at once while nobody else has voted.
    await hall.call("POST", f"/contests/{contest['id']}/ballots", "S2", {"choice": "yes"}, 201)
    refused = await hall.call("POST", f"/contests/{contest['id']}/close", hall.ro, None, 409)
    assert refused["detail"] == (
        f"this recall ballot closes at {contest['closes_at'].replace('+00:00', 'Z')}, as "
        "announced; it cannot be closed early"
    )
    closes_at = dt.datetime.fromisoformat(contest["closes_at"])
    async with session_for(database_url) as session:
        with pytest.raises(Exception, match="cannot be closed early"):
            await close_contest(
                session,
                uuid.UUID(contest["id"]),
                actor="system",
                at=closes_at - dt.timedelta(seconds=1),
            )
    shown = await hall.call("GET", f"/contests/{contest['id']}", hall.ro)
    assert shown["state"] == "open"

    await close_on_time(database_url, contest)
    for verb in ("count", "publish"):
        await hall.call("POST", f"/contests/{contest['id']}/{verb}", hall.ro)
    result = await hall.call("GET", f"/contests/{contest['id']}/result", "S4")
    assert result["outcome"] == "inquorate"
    await settle(database_url)  # the due work runner applies the published result
    decided = await hall.call("GET", f"/petitions/{petition['id']}", "S4")
    assert decided["state"] == "retained"
    held = await hall.call("GET", f"/offices/{office['id']}", "S4")
    assert (held["state"], held["holder"]) == ("held", "S1")
