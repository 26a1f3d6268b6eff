"""Supporters can withdraw their support for a nomination before the window closes
(issue 18, "Recall that cannot be gamed")."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import ROLL, Hall
from tests.voting.conftest import import_roll


@pytest.fixture
async def hall(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> Hall:
    await import_roll(client, auth, ROLL)
    return Hall(client, auth)


async def test_a_supporter_withdraws_and_an_accepted_nomination_left_short_must_accept_again(
    hall: Hall, database_url: str
) -> None:
    election = await hall.call(
        "POST",
        "/elections",
        hall.ro,
        {
            "title": "Executive",
            "posts": [{"title": "Seat", "seats": 1}],
            "nomination_rules": {"supporting_members": 2, "supporting_branches": 0},
        },
        201,
    )
    nomination = await hall.nominate(election, 1, "S2", "S3")
    await hall.support(nomination, "S4")
    accepted = await hall.accept(nomination)
    assert accepted["state"] == "accepted"
    path = f"/nominations/{nomination['id']}/supporters/me"

    shown = await hall.call("DELETE", path, "S4")
    assert (shown["supporting_members"], shown["state"]) == (1, "proposed")
    await hall.call("DELETE", path, "S4", None, 404)  # not a supporter any more
    await hall.call("DELETE", path, "S9", None, 404)  # never was
    short = await hall.accept(nomination, expect=422)
    assert "1 more member" in short["detail"]
    await hall.support(nomination, "S4")  # may support again while the window is open
    assert (await hall.accept(nomination))["state"] == "accepted"
    entries = await log_entries(database_url)
    (withdrawn,) = [e for e in entries if e["type"] == "nomination.support_withdrawn"]
    assert withdrawn["facts"] == {
        "supporting_members": 1,
        "supporting_branches": 1,
        "back_to_proposed": True,
    }
    assert '"S4"' not in str(entries)

    await hall.call("POST", f"/elections/{election['id']}/close-nominations", hall.ro)
    refused = await hall.call("DELETE", path, "S3", None, 409)
    assert "nominations are closed" in refused["detail"]
    still = await hall.call("GET", f"/nominations/{nomination['id']}", "S3")
    assert (still["supporting_members"], still["state"]) == (2, "accepted")
