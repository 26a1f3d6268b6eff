"""One count per tick for every viewer of a contest: the database's cost of live turnout does
not grow with the number of viewers. The feed's sleep is injected, so the test steps it."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from litestar.exceptions import TooManyRequestsException
from sqlalchemy.ext.asyncio import create_async_engine

from schemas.contests import Turnout
from service.turnout_feed import TurnoutFeed

VIEWERS = 50
HANG = 60  # seconds: only a hang takes this long


async def _turnout(client, contest, ro) -> Turnout:
    r = await client.get(f"/api/v1/contests/{contest['id']}/turnout", headers=ro)
    assert r.status_code == 200, r.text
    return Turnout(**r.json())


async def test_fifty_viewers_cost_one_count_a_tick_and_all_see_each_vote(
    client, contests, ro, database_url
) -> None:
    motion = await contests.create(title="Watched", kind="motion")
    await contests.step(motion, "open")
    ticks: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(_seconds: float) -> None:
        await ticks.get()

    engine = create_async_engine(database_url)
    feed = TurnoutFeed(engine, sleep=sleep)
    first = await _turnout(client, motion, ro)
    async with contextlib.AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(feed.watch(first, f"viewer{n}")) for n in range(VIEWERS)
        ]
        async with asyncio.timeout(HANG):
            assert [(await anext(s)).voted for s in streams] == [0] * VIEWERS
            for voted, member in enumerate(("S1", "S2", "W1"), start=1):
                await contests.cast(motion, member, {"choice": "for"})
                ticks.put_nowait(None)
                seen = [await anext(s) for s in streams]
                assert {t.voted for t in seen} == {voted}
                assert feed.counts == voted  # one count for all fifty
            await contests.step(motion, "close")
            ticks.put_nowait(None)
            last = [await anext(s) for s in streams]
            assert {t.state for t in last} == {"closed"}
            for s in streams:
                with pytest.raises(StopAsyncIteration):
                    await anext(s)
    assert feed.counts == 4
    assert feed.watched == 0
    await engine.dispose()


async def test_a_member_holds_a_few_streams_at_once_not_more(
    client, contests, ro, database_url
) -> None:
    motion = await contests.create(title="Watched twice", kind="motion")
    await contests.step(motion, "open")
    engine = create_async_engine(database_url)
    never: asyncio.Event = asyncio.Event()

    async def sleep(_seconds: float) -> None:
        await never.wait()

    feed = TurnoutFeed(engine, sleep=sleep, per_member=2)
    first = await _turnout(client, motion, ro)
    async with feed.watch(first, "S1"), feed.watch(first, "S1"):
        with pytest.raises(TooManyRequestsException):
            feed.make_room("S1")
        feed.make_room("S2")  # another member is not held back
        assert feed.watched == 1
    feed.make_room("S1")  # leaving frees the room
    assert feed.watched == 0
    await engine.dispose()
