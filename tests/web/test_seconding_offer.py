""" "Second this motion" is offered only to those who may second it: not its proposer, not an
officer who is not on the roll, not someone who has already seconded (they are offered the
withdrawal instead)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.web.conftest import post_form, sign_in

CHAIR = "CHAIR1"
SECOND = "Second this motion"
WITHDRAW = "Withdraw my seconding"


async def test_only_those_who_may_second_are_offered_it(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/assemblies/",
        json={"title": "Conference", "kind": "conference"},
        headers=admin,
    )
    assembly = f"/assemblies/{made.json()['id']}"
    await web.post(f"/api/v1{assembly}/chairs", json={"subject": CHAIR}, headers=admin)
    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "motions_open"})
    await sign_in(web, "M00001")
    submitted = await post_form(
        web,
        assembly,
        f"{assembly}/motions",
        {"title": "Free buses", "category": "policy", "text": "Conference calls for free buses."},
    )
    motion = submitted.headers["location"]
    proposer = (await web.get(motion)).text
    assert SECOND not in proposer
    assert WITHDRAW not in proposer

    await sign_in(web, CHAIR)  # an officer, not on the roll
    assert SECOND not in (await web.get(motion)).text

    await sign_in(web, "M00002")
    assert SECOND in (await web.get(motion)).text
    assert WITHDRAW not in (await web.get(motion)).text
    seconded = await post_form(web, motion, f"{motion}/second", {})
    assert seconded.status_code == 303
    after = (await web.get(motion)).text
    assert SECOND not in after
    assert WITHDRAW in after
