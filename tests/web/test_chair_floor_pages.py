"""The chair's floor in pages (issue 16): a recorded vote and a show of hands chosen per vote,
a repeated press that moves nothing, and a recorded result naming who voted how."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.web.conftest import csrf_of, post_form, sign_in

CHAIR = "CHAIR1"


def _step(page: str) -> str:
    found = re.search(r'name="step" value="(\d+)"', page)
    assert found is not None, "the chair's form names the step it was drawn at"
    return found.group(1)


async def test_the_chair_takes_a_recorded_vote_then_a_show_of_hands_from_the_page(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/assemblies/",
        json={
            "title": "Floor conference",
            "kind": "conference",
            "standing_orders": {
                "seconders_required": 0,
                "vote_methods": ["recorded", "show_of_hands"],
            },
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assembly = f"/assemblies/{made.json()['id']}"
    await web.post(f"/api/v1{assembly}/chairs", json={"subject": CHAIR}, headers=admin)
    await sign_in(web, CHAIR)
    await post_form(web, assembly, f"{assembly}/state", {"to": "motions_open"})
    await sign_in(web, "M00001")
    submitted = await post_form(
        web,
        assembly,
        f"{assembly}/motions",
        {"title": "Bikes", "category": "policy", "text": "Conference backs bike lanes."},
    )
    motion = submitted.headers["location"]
    await sign_in(web, CHAIR)
    await post_form(web, motion, f"{motion}/admit", {})
    await post_form(web, assembly, f"{assembly}/state", {"to": "amendments_open"})
    await post_form(web, assembly, f"{assembly}/state", {"to": "in_session"})

    page = (await web.get(motion)).text
    assert "How the vote is taken" in page
    assert "Show of hands, counted by tellers" in page
    started = await post_form(web, motion, f"{motion}/vote-start", {"method": "show_of_hands"})
    assert started.status_code == 303, started.text
    page = (await web.get(motion)).text
    assert "The tellers&#39; figures" in page or "The tellers' figures" in page
    step = _step(page)
    count = {"step": step, "for": "14", "against": "5", "abstain": "1", "tellers": "Ann\nBob"}
    entered = await post_form(web, motion, f"{motion}/vote-close", count)
    assert entered.status_code == 303, entered.text
    again = await post_form(web, motion, f"{motion}/vote-close", count)  # pressed twice
    assert again.status_code == 303, again.text
    page = (await web.get(motion)).text
    assert page.count("counted by hand; tellers: Ann, Bob") == 1
    assert "<strong>Carried</strong>" in page
    assert "Final text" in page

    # The Welsh page says the same.
    welsh = await web.get(motion, cookies={"plenary_lang": "cy"})
    assert "cyfrifwyd â llaw; rhifwyr: Ann, Bob" in welsh.text


async def test_a_recorded_result_page_names_who_voted_how(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    admin = api("ADMIN1", "admin")
    made = await web.post(
        "/api/v1/assemblies/",
        json={
            "title": "Roll-call meeting",
            "kind": "conference",
            "standing_orders": {"seconders_required": 0, "votes": "recorded"},
        },
        headers=admin,
    )
    assembly = f"/assemblies/{made.json()['id']}"
    await web.post(f"/api/v1{assembly}/chairs", json={"subject": CHAIR}, headers=admin)
    chair = api(CHAIR)
    for to in ("motions_open",):
        await web.post(f"/api/v1{assembly}/state", json={"to": to}, headers=chair)
    motion = await web.post(
        f"/api/v1{assembly}/motions",
        json={"title": "Parks", "category": "policy", "paragraphs": ["We back parks."]},
        headers=api("M00001"),
    )
    motion_id = motion.json()["id"]
    await web.post(f"/api/v1/motions/{motion_id}/admit", headers=chair)
    for to in ("amendments_open", "in_session"):
        await web.post(f"/api/v1{assembly}/state", json={"to": to}, headers=chair)
    vote = (await web.post(f"/api/v1/motions/{motion_id}/vote/start", headers=chair)).json()
    contest = vote["open_contest"]
    for member, choice in (("M00002", "for"), ("M00003", "against")):
        cast = await web.post(
            f"/api/v1/contests/{contest}/ballots", json={"choice": choice}, headers=api(member)
        )
        assert cast.status_code == 201, cast.text
    decided = await web.post(
        f"/api/v1/motions/{motion_id}/vote/next", json={"step": vote["step"]}, headers=chair
    )
    assert decided.status_code == 200, decided.text
    await sign_in(web, "M00004")
    page = await web.get(f"/contests/{contest}/results")
    assert page.status_code == 200, page.text
    assert "Who voted how (a recorded vote)" in page.text
    table = page.text.split("Who voted how", 1)[1]
    assert re.search(r"M00002</th><td>For", table)
    assert re.search(r"M00003</th><td>Against", table)
    assert csrf_of(page.text)  # a normal page with its forms
