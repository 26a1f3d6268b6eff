"""The hall screen page and its live stream (issue 16): a member signed in sees the item, the
amendment under debate as a diff, the speakers and the vote; the stream sends the screen again
when the chair calls the next speaker and as votes come in. A real uvicorn on 127.0.0.1 (the
ASGI test transport buffers whole responses), real PostgreSQL, bounded in time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.exceptions import TooManyRequestsException
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from assembly.meetings.hall_screen import HallScreen, hall_screen
from service.database import session_for
from service.hall_feed import HallFeed
from service.web.pages_hall import render_hall
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
    assert 2 <= feed.builds <= feed.checks  # built again only when the item changed


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


class _Ticks:
    """The feed's sleep, stepped by the test: ``step`` lets one round run and waits for it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[None] = asyncio.Queue()
        self.idle = asyncio.Event()

    async def sleep(self, _seconds: float) -> None:
        self.idle.set()
        await self.queue.get()

    async def step(self) -> None:
        await self.idle.wait()  # the feed is asleep
        self.idle.clear()
        self.queue.put_nowait(None)
        await self.idle.wait()


async def test_thirty_screens_cost_one_check_a_tick_and_one_render_a_change(
    client: httpx.AsyncClient, auth: Auth, database_url: str
) -> None:
    await import_roll(client, auth, ROLL)
    chamber = Chamber(client, auth)
    conference, motion = await _floor(chamber)
    renders: list[str] = []

    def render(screen: HallScreen, language: str) -> str:
        renders.append(language)
        return render_hall(screen, language)

    ticks = _Ticks()
    engine = create_async_engine(database_url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    feed = HallFeed(engine, render, sleep=ticks.sleep, per_member=2)
    async with session_for(database_url) as session:
        first = await hall_screen(session, uuid.UUID(conference["id"]))
    async with contextlib.AsyncExitStack() as stack, asyncio.timeout(60):
        streams = [
            await stack.enter_async_context(feed.watch(first, f"viewer{n}")) for n in range(30)
        ]
        assert {(await anext(s)).screen.version for s in streams} == {first.version}
        await ticks.step()  # nothing happened: one cheap check, nothing built
        assert (feed.checks, feed.builds) == (1, 0)
        assert len(statements) <= 4, statements  # for thirty screens
        checked = len(statements)

        path = f"/motions/{motion['id']}/speakers/next"
        await chamber.call("POST", path, chamber.chair, {"after": None})
        await ticks.step()
        assert (feed.checks, feed.builds) == (2, 1)
        print("hall feed: statements per check", checked, "per check and build",
              len(statements) - checked)  # fmt: skip
        frames = [await anext(s) for s in streams]
        assert len({id(f) for f in frames}) == 1  # one frame for all thirty
        assert {f.html("en") for f in frames} == {frames[0].html("en")}
        assert "Speaking: S3 (for)" in frames[0].html("en")
        assert "Yn siarad: S3 (o blaid)" in frames[0].html("cy")
        assert renders == ["en", "cy"]  # rendered once per language, not per screen

        started = await chamber.chair_does(motion, "vote/start")
        await ticks.step()
        assert "0 of 18 have voted" in (await anext(streams[0])).html("en")
        built = feed.builds
        await chamber.vote(started["open_contest"], {"S6": "for"})
        await ticks.step()  # only the turnout moved: the figure is put in, nothing is read
        assert feed.builds == built
        assert "1 of 18 have voted" in (await anext(streams[0])).html("en")

        async with feed.watch(first, "S9"), feed.watch(first, "S9"):
            with pytest.raises(TooManyRequestsException):
                feed.make_room("S9")  # a member holds a few screens at once, not more
            feed.make_room("S8")
    assert feed.watched == 0
    await engine.dispose()
