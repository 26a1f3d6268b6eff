"""A refusal never tells what a read hides: casting in a contest a member may not see answers
the same 404 as reading it, whatever state the contest is in."""

from __future__ import annotations

from typing import Any

import httpx


async def _read_and_cast(
    client: Any, auth: Any, contest: dict[str, Any], member: str, ballot: dict[str, Any]
) -> tuple[httpx.Response, httpx.Response]:
    read = await client.get(f"/api/v1/contests/{contest['id']}", headers=auth(member))
    cast = await client.post(
        f"/api/v1/contests/{contest['id']}/ballots", json=ballot, headers=auth(member)
    )
    return read, cast


async def test_a_draft_contest_is_not_found_when_cast_in_as_when_read(client, auth, contests):
    draft = await contests.create(title="Not yet", kind="motion")
    read, cast = await _read_and_cast(client, auth, draft, "S1", {"choice": "for"})
    assert read.status_code == cast.status_code == 404
    assert cast.json()["detail"] == read.json()["detail"]
    assert "draft" not in cast.text


async def test_another_regions_contest_is_not_found_open_or_closed(client, auth, contests):
    welsh = await contests.create(title="Welsh only", kind="motion", scope="region:WAL")
    await contests.step(welsh, "open")
    for ballot in ({"choice": "for"}, {"choice": "maybe"}):
        read, cast = await _read_and_cast(client, auth, welsh, "S1", ballot)
        assert read.status_code == cast.status_code == 404, cast.text
        assert cast.json()["detail"] == read.json()["detail"]
    await contests.step(welsh, "close")
    read, cast = await _read_and_cast(client, auth, welsh, "S1", {"choice": "for"})
    assert read.status_code == cast.status_code == 404
    # Those who may see it still hear why they cannot vote.
    _, cast = await _read_and_cast(client, auth, welsh, "W1", {"choice": "for"})
    assert cast.status_code == 409
    assert "closed" in cast.json()["detail"]


async def test_a_member_who_may_see_it_still_hears_they_are_not_in_the_electorate(
    client, auth, contests, roll
) -> None:
    from tests.voting.conftest import import_roll

    motion = await contests.create(title="Frozen", kind="motion")
    await contests.step(motion, "open")
    await import_roll(client, auth, roll + "S99,Scot 99,s99@x.org,glasgow,SCO,active,woman\n")
    read, cast = await _read_and_cast(client, auth, motion, "S99", {"choice": "for"})
    assert read.status_code == 200
    assert cast.status_code == 403
    assert "electorate" in cast.json()["detail"]
