"""A motion's ballot shows what it decides: an amendment's ballot shows the change against the
motion and the motion as it would read if carried, a motion's ballot its text as amended, and
each links to the motion's page."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.web.conftest import csrf_of, post_form, sign_in

CHAIR = "CHAIR1"


async def _open_ballot(web: httpx.AsyncClient, motion: str) -> tuple[str, str]:
    page = await web.get(motion)
    found = re.search(r'href="/contests/([0-9a-f-]{36})">Vote now', page.text)
    assert found, "the motion page links to the open vote"
    ballot = await web.get(f"/contests/{found.group(1)}")
    assert ballot.status_code == 200
    return found.group(1), ballot.text


async def test_each_ballot_on_a_motion_shows_what_it_decides(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/assemblies/",
        json={
            "title": "Annual conference",
            "kind": "conference",
            "standing_orders": {"seconders_required": 1, "amendment_seconders_required": 1},
        },
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
        {
            "title": "Free buses",
            "category": "policy",
            "text": "Conference notes fares rose.\nConference calls for free buses.",
        },
    )
    motion = submitted.headers["location"]
    await sign_in(web, "M00002")
    await post_form(web, motion, f"{motion}/second", {})
    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "amendments_open"})
    await post_form(web, motion, f"{motion}/admit", {})
    await sign_in(web, "M00003")
    await post_form(
        web,
        motion,
        f"{motion}/amendments",
        {"action": "replace", "start": "2", "end": "", "text": "Conference calls for cheap buses."},
    )
    amendment = re.findall(r'id="amendment-([0-9a-f-]{36})"', (await web.get(motion)).text)[0]
    await sign_in(web, "M00004")
    await post_form(web, motion, f"{motion}/amendments/{amendment}/second", {})
    await sign_in(web, CHAIR)
    await post_form(web, motion, f"{motion}/amendments/{amendment}/admit", {})
    await post_form(web, assembly, f"{assembly}/state", {"to": "in_session"})
    await post_form(web, motion, f"{motion}/vote-start", {})

    await sign_in(web, "M00005")
    contest, ballot = await _open_ballot(web, motion)
    assert "You are deciding amendment 1 to motion 1: replace line 2" in ballot
    assert "Deleted: </span>Conference calls for free buses.</del>" in ballot
    assert "Inserted: </span>Conference calls for cheap buses.</ins>" in ballot
    carried = ballot.split("if this amendment is carried", 1)[1].split("</ol>", 1)[0]
    assert "Conference calls for cheap buses." in carried
    assert "Conference calls for free buses." not in carried
    assert f'href="{motion}"' in ballot
    for member in ("M00005", "M00006"):
        await sign_in(web, member)
        contest, ballot = await _open_ballot(web, motion)
        await web.post(f"/contests/{contest}/cast", data={"csrf": csrf_of(ballot), "choice": "for"})
    await sign_in(web, CHAIR)
    step = re.search(r'name="step" value="(\d+)"', (await web.get(motion)).text)
    assert step is not None
    await post_form(web, motion, f"{motion}/vote-next", {"step": step.group(1)})

    await sign_in(web, "M00007")
    _, ballot = await _open_ballot(web, motion)
    assert "You are deciding motion 1: Free buses" in ballot
    text = ballot.split("You are deciding motion 1", 1)[1].split("</ol>", 1)[0]
    assert "Conference notes fares rose." in text
    assert "Conference calls for cheap buses." in text
    assert f'href="{motion}"' in ballot


async def test_a_contest_on_no_motion_has_no_motion_text(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    from tests.web.conftest import define_contest

    alone = await define_contest(web, api, {"title": "Rail", "kind": "motion"})
    await sign_in(web, "M00001")
    ballot = (await web.get(f"/contests/{alone['id']}")).text
    assert "You are deciding" not in ballot
