"""Taking part in pages: signing and withdrawing from a recall petition with its progress,
nominating and supporting a candidate who accepts with a statement, and volunteering for a
draw by lot."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx

from tests.web.conftest import RO, post_form, sign_in


async def _api(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]], path: str, body: object, *who: str
) -> dict[str, object]:
    answer = await web.post(f"/api/v1{path}", json=body, headers=api(*who))
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_a_member_signs_a_recall_petition_then_withdraws(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    office = await _api(
        web,
        api,
        "/offices/",
        {
            "title": "National treasurer",
            "kind": "executive",
            "scope": "national",
            "holder": "M00013",
        },
        "ADMIN1",
        "admin",
    )
    petition = await _api(
        web,
        api,
        f"/offices/{office['id']}/petitions",
        {"reason": "Missed every meeting"},
        "M00001",
        "member",
    )
    await sign_in(web, "M00001")
    listed = html.unescape((await web.get("/take-part")).text)
    assert "Missed every meeting" in listed
    path = f"/petitions/{petition['id']}"
    before = html.unescape((await web.get(path)).text)
    assert re.search(r"0 of \d+ signatures needed", before)
    assert "<progress" in before
    signed = await post_form(web, path, f"{path}/sign", {})
    assert signed.status_code == 200
    assert "You have signed." in html.unescape(signed.text)
    assert re.search(r"1 of \d+ signatures needed", html.unescape(signed.text))
    assert "Withdraw my signature" in signed.text
    withdrawn = await post_form(web, path, f"{path}/withdraw", {})
    assert withdrawn.status_code == 303
    assert re.search(r"0 of \d+ signatures needed", html.unescape((await web.get(path)).text))


async def test_members_nominate_support_and_the_candidate_accepts(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    election = await _api(
        web,
        api,
        "/elections/",
        {
            "title": "National executive",
            "posts": [{"title": "Treasurer"}],
            "nomination_rules": {"supporting_members": 2, "supporting_branches": 0},
        },
        *RO,
    )
    path = f"/elections/{election['id']}"
    await sign_in(web, "M00001")
    nominated = await post_form(web, path, f"{path}/nominate", {"post": "1", "candidate": "M00002"})
    assert nominated.status_code == 303, nominated.text
    page = html.unescape((await web.get(path)).text)
    assert "1 of 2 supporting members" in page

    await sign_in(web, "M00003")
    page = (await web.get(path)).text
    nomination = re.search(r'action="/nominations/([0-9a-f-]{36})/support"', page)
    assert nomination
    await post_form(web, path, f"/nominations/{nomination.group(1)}/support", {})
    assert "2 of 2 supporting members" in html.unescape((await web.get(path)).text)

    await sign_in(web, "M00002")
    accepted = await post_form(
        web, path, f"/nominations/{nomination.group(1)}/accept", {"statement": "I keep books."}
    )
    assert accepted.status_code == 303, accepted.text
    page = (await web.get(path)).text
    assert "I keep books." in page
    assert "Accepted" in page


async def test_a_member_volunteers_for_a_draw_by_lot_and_leaves(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    draw = await _api(
        web, api, "/sortitions/", {"title": "Citizens' panel", "role": "panel", "seats": 2}, *RO
    )
    path = f"/sortitions/{draw['id']}"
    await sign_in(web, "M00005")
    joined = await post_form(web, path, f"{path}/volunteer", {})
    assert joined.status_code == 303, joined.text
    page = (await web.get(path)).text
    assert "You are in the pool." in page
    assert "1 volunteers for 2 seats" in page
    # The receipt (ticket and salt) that lets the volunteer check their entry later.
    assert "Your receipt" in page
    assert re.search(r"Ticket [0-9a-f]{16}, salt [0-9a-f]{32}", page)
    await post_form(web, path, f"{path}/leave", {})
    left = (await web.get(path)).text
    assert "0 volunteers for 2 seats" in left
    assert "Your receipt" not in left
