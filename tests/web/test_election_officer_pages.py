"""The returning officer sets up an election with nominations from the pages, sees every
problem in the form at once, and closes nominations only after a summary page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx

from tests.web.conftest import RO, post_form, sign_in

NEW = "/officer/elections/new"


async def test_a_bad_election_form_names_every_problem_and_saves_nothing(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    await sign_in(web, "RO1")
    answer = await post_form(
        web,
        NEW,
        "/officer/elections",
        {
            "title": "",
            "post_title": "",
            "seats": "0",
            "supporting_members": "x",
            "supporting_branches": "0",
            "nominations_open_at": "2027-01-10T09:00",
            "nominations_close_at": "2027-01-09T09:00",
        },
    )
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    for problem in (
        "Give the election a title",
        "Name the post",
        "Enter a whole number, 1 or more",
        "Enter a whole number, 0 or more",
        "Nominations must close after they open",
    ):
        assert problem in text
    assert (await web.get("/api/v1/elections/", headers=api(*RO))).json() == []


async def test_the_officer_opens_nominations_then_closes_them_after_confirming(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    await sign_in(web, "RO1")
    assert f'href="{NEW}"' in (await web.get("/officer")).text  # the desk leads there
    form = (await web.get(NEW)).text
    assert re.search(r"UK time \(UTC\+0[01]:00\)", html.unescape(form))
    made = await post_form(
        web,
        NEW,
        "/officer/elections",
        {
            "title": "Branch committee",
            "post_title": "Secretary",
            "seats": "1",
            "scope": "national",
            "supporting_members": "1",
            "supporting_branches": "0",
            "nominations_open_at": "",
            "nominations_close_at": "",
        },
    )
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    election = path.rsplit("/", 1)[1]
    shown = (await web.get(f"/api/v1/elections/{election}", headers=api(*RO))).json()
    assert shown["nomination_rules"]["supporting_members"] == 1
    assert shown["state"] == "nominations_open"

    await sign_in(web, "M00001")
    await post_form(
        web,
        f"/elections/{election}",
        f"/elections/{election}/nominate",
        {"post": "1", "candidate": "M00001"},
    )

    await sign_in(web, "RO1")
    page = (await web.get(path)).text
    assert f"{path}/close-nominations/confirm" in page
    confirm = html.unescape((await web.get(f"{path}/close-nominations/confirm")).text)
    assert "cannot be reopened" in confirm
    assert "0 accepted, 1 not accepted, for 1 seats" in confirm
    assert (await web.get(f"/api/v1/elections/{election}", headers=api(*RO))).json()[
        "state"
    ] == "nominations_open"
    closed = await post_form(
        web, f"{path}/close-nominations/confirm", f"{path}/close-nominations", {}
    )
    assert closed.status_code == 303
    assert (await web.get(f"/api/v1/elections/{election}", headers=api(*RO))).json()[
        "state"
    ] == "nominations_closed"


async def test_the_election_desk_is_refused_to_a_member(web: httpx.AsyncClient) -> None:
    await sign_in(web, "M00001")
    answer = await web.get(NEW)
    assert answer.status_code == 403
    assert "text/html" in answer.headers["content-type"]


async def test_the_form_errors_read_in_welsh(web: httpx.AsyncClient) -> None:
    await sign_in(web, "RO1")
    web.headers["Accept-Language"] = "cy-GB,cy;q=0.9"
    answer = await post_form(
        web,
        NEW,
        "/officer/elections",
        {
            "title": "",
            "post_title": "Ysgrifennydd",
            "seats": "1",
            "supporting_members": "2",
            "supporting_branches": "0",
        },
    )
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert "Rhowch deitl i'r etholiad" in text
    assert 'lang="cy"' in text


async def test_a_step_out_of_turn_is_an_error_page_and_changes_nothing(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    await sign_in(web, "RO1")
    made = await post_form(
        web,
        NEW,
        "/officer/elections",
        {
            "title": "Treasurer",
            "post_title": "Treasurer",
            "seats": "1",
            "scope": "national",
            "supporting_members": "1",
            "supporting_branches": "0",
            "nominations_close_at": "2030-07-10T12:00",
        },
    )
    path = made.headers["location"]
    election = path.rsplit("/", 1)[1]
    assert "close-nominations/confirm" not in (await web.get(path)).text
    refused = await post_form(web, path, f"{path}/declare", {})
    assert refused.status_code >= 400
    assert "text/html" in refused.headers["content-type"]
    shown = (await web.get(f"/api/v1/elections/{election}", headers=api(*RO))).json()
    assert shown["state"] == "nominations_open"
    assert shown["nominations_close_at"].startswith("2030-07-10T11:00")
