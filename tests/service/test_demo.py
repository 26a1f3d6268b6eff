"""The demo organisation loads once, through the real import, and members can sign in."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from audit.store import log_size, read_entries
from roll.models import Branch, Member, Region
from service.database import session_for
from service.demo import DEMO_BRANCHES, DEMO_MEMBERS, demo_roll_csv, load_demo


def test_demo_roll_is_the_same_every_time() -> None:
    assert demo_roll_csv() == demo_roll_csv()


async def test_demo_loads_once_with_scotland_and_wales(settings, client, auth) -> None:
    said = await load_demo(settings)
    assert f"{DEMO_MEMBERS} members" in said
    again = await load_demo(settings)
    assert "left as it is" in again
    async with session_for(settings.database_url) as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == DEMO_MEMBERS
        assert await s.scalar(select(func.count()).select_from(Branch)) == len(DEMO_BRANCHES)
        names = set((await s.scalars(select(Region.name))).all())
        assert {"Scotland", "Wales"} <= names
        entries = await read_entries(s, 0, await log_size(s))
        assert [json.loads(e)["type"] for _, e in entries].count("roll.imported") == 1
    contests = (await client.get("/api/v1/contests", headers=auth("M00001"))).json()
    assert {c["kind"]: c["state"] for c in contests} == {"motion": "open", "election": "open"}
    motion = next(c for c in contests if c["kind"] == "motion")
    assert motion["title"].endswith("Free school meals for every child")
    vote = await client.post(
        f"/api/v1/contests/{motion['id']}/ballots",
        json={"choice": "for"},
        headers=auth("M00001"),
    )
    assert vote.status_code == 201
    me = (await client.get("/api/v1/me", headers=auth("M00001"))).json()
    assert me["on_roll"] is True
    assert me["region_name"] == "Scotland"
    assert me["branch_name"] == "Glasgow"
