"""The hall screen page and its live stream (issue 16): a member signed in sees the item, the
amendment under debate as a diff, the speakers and the vote; the stream sends the screen again
when the chair calls the next speaker and as votes come in. A real uvicorn on 127.0.0.1 (the
ASGI test transport buffers whole responses), real PostgreSQL, bounded in time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from litestar import Litestar

from service.hall_feed import HallFeed
from tests.assembly.conftest import ROLL, Chamber
from tests.voting.conftest import import_roll
from tests.voting.test_turnout_stream import _served
from tests.web.conftest import sign_in

Auth = Callable[..., dict[str, str]]
TEXT = ["Conference notes the cuts.", "Conference will resist."]


async def _screens(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The ``screen`` events of a server-sent-event stream, decoded."""
    event, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data += line.partition(":")[2].strip()
        elif line == "" and data:
            if event == "screen":
                yield json.loads(data)
            event, data = "", ""


async def _floor(chamber: Chamber) -> tuple[dict[str, Any], dict[str, Any]]:
    orders = {"seconders_required": 0, "amendment_seconders_required": 0, "speech_seconds": 150}
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders=orders
    )
    await chamber.move(conference, "motions_open")
    motion = await chamber.motion(conference, "S1", title="Cuts", paragraphs=TEXT)
    await chamber.move(conference, "amendments_open")
    await chamber.chair_does(motion, "admit")
    amendment = await chamber.amend(
        motion, "S2", action="replace", start=2, paragraphs=["Conference will fight them."]
    )
    await chamber.on_amendment(amendment, "admit", chamber.chair)
    await chamber.move(conference, "in_session")
    for member, side in (("S3", "for"), ("S4", "against")):
        await chamber.call("POST", f"/motions/{motion['id']}/speakers", member, {"side": side}, 201)
    return conference, motion


async def test_the_hall_screen_shows_the_floor_and_follows_it_live(
    app: Litestar, auth: Auth
) -> None:
    async with _served(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await import_roll(client, auth, ROLL)
        chamber = Chamber(client, auth)
        conference, motion = await _floor(chamber)
        hall = f"/assemblies/{conference['id']}/hall"
        assert (await client.get(hall)).status_code in (302, 303, 401)  # sign in first
        await sign_in(client, "S5")

        page = await client.get(hall)
        assert page.status_code == 200, page.text
        text = page.text
        assert "Motion 1: Cuts" in text
        assert "<del>" in text
        assert "Conference will fight them." in text
        assert "Time limit 2:30" in text
        assert 'http-equiv="refresh"' in text  # without JavaScript it refreshes itself
        assert '<script src="/static/hall.js"' in text
        assert "<form" not in text.split('id="hall"')[1].split("</main>")[0]  # no controls

        speakers = f"/motions/{motion['id']}/speakers/next"
        async with asyncio.timeout(90):  # against hangs only
            async with client.stream("GET", f"{hall}/stream") as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                screens = _screens(response)
                first = await anext(screens)
                assert "S3 · " in first["html"]
                assert "Speaking:" not in first["html"]

                await chamber.call("POST", speakers, chamber.chair, {"after": None})
                called = await anext(screens)
                assert "Speaking: S3 (for)" in called["html"]
                assert 'data-ends-at="' in called["html"]
                assert called["version"] != first["version"]

                started = await chamber.chair_does(motion, "vote/start")
                opened = await anext(screens)
                assert "Voting now" in opened["html"]
                for member in ("S3", "S4"):
                    await chamber.vote(started["open_contest"], {member: "for"})
                seen = opened
                while "2 of 18 have voted" not in seen["html"]:
                    seen = await anext(screens)
    feed: HallFeed = app.state.hall_feed
    assert feed.watched == 0  # the stream closed: the feed's task stopped
    assert 3 <= feed.builds <= feed.checks  # built again only when the screen changed


async def test_the_hall_screen_is_in_welsh_for_a_welsh_reader(app: Litestar, auth: Auth) -> None:
    async with _served(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await import_roll(client, auth, ROLL)
        conference, _motion = await _floor(Chamber(client, auth))
        await sign_in(client, "W1")
        page = await client.get(
            f"/assemblies/{conference['id']}/hall", headers={"Accept-Language": "cy"}
        )
    assert page.status_code == 200
    assert 'lang="cy"' in page.text
    assert "Siaradwyr" in page.text
    assert "Terfyn amser 2:30" in page.text
