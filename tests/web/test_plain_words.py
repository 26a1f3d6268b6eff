"""Pages use plain words, never codes: "Members in Scotland", not ``SCO``; "Glasgow branch",
not "the glasgow branch"; "Single transferable vote (Scottish rules)", not ``scottish_stv``;
and an election's ballot says how many seats it fills and how preferences count."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import update

from roll.models import Branch, Region
from service.database import session_for
from service.demo import DEMO_BRANCHES, DEMO_REGIONS
from tests.web.conftest import define_contest, sign_in


async def _name_places(database_url: str) -> None:
    async with session_for(database_url) as session:
        for code, name in DEMO_REGIONS.items():
            await session.execute(update(Region).where(Region.code == code).values(name=name))
        for code, (name, _) in DEMO_BRANCHES.items():
            await session.execute(update(Branch).where(Branch.code == code).values(name=name))
        await session.commit()


async def test_scopes_are_named_as_members_say_them(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]], database_url: str
) -> None:
    await _name_places(database_url)
    scottish = await define_contest(
        web, api, {"title": "Scottish policy", "kind": "motion", "scope": "region:SCO"}
    )
    branch = await define_contest(
        web, api, {"title": "Branch officers", "kind": "motion", "scope": "branch:glasgow"}
    )
    await sign_in(web, "M00001")  # Glasgow, Scotland
    page = (await web.get(f"/contests/{scottish['id']}")).text
    assert "Members in Scotland" in page
    assert "Members in SCO" not in page
    page = (await web.get(f"/contests/{branch['id']}")).text
    assert "Members of Glasgow branch" in page
    assert "the glasgow branch" not in page


async def test_an_election_ballot_says_its_seats_and_how_preferences_count(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    election = await define_contest(
        web,
        api,
        {
            "title": "Executive committee",
            "kind": "election",
            "seats": 2,
            "candidates": [{"name": "Aisha"}, {"name": "Bethan"}, {"name": "Callum"}],
        },
    )
    await sign_in(web, "M00001")
    page = (await web.get(f"/contests/{election['id']}")).text
    assert "Seats to fill: 2" in page
    assert "Single transferable vote (Scottish rules)" in page
    assert "scottish_stv" not in page
    assert "moves to your next choice" in page
    web.cookies.set("plenary_lang", "cy")
    welsh = (await web.get(f"/contests/{election['id']}")).text
    assert "Seddi i&#39;w llenwi: 2" in welsh or "Seddi i'w llenwi: 2" in welsh
