"""Live turnout: the server-sent-event stream counts votes as they arrive and ends at close.

A real uvicorn on 127.0.0.1 (the ASGI test transport buffers whole responses, so it cannot
show a stream), real PostgreSQL, bounded in time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from litestar import Litestar

from tests.voting.conftest import ROLL, Contests, import_roll

Auth = Callable[..., dict[str, str]]


@asynccontextmanager
async def _served(app: Litestar) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free loopback port, in this event loop; yields its URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(15):
        while not server.started:
            assert not task.done(), "uvicorn stopped while starting"
            await asyncio.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _turnout_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The ``turnout`` events of a server-sent-event stream, decoded, until it ends."""
    event, data = "", ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:"):
            data += line.partition(":")[2].strip()
        elif line == "" and data:
            if event == "turnout":
                yield json.loads(data)
            event, data = "", ""


async def test_turnout_stream_rises_as_members_vote_and_ends_at_close(
    app: Litestar, auth: Auth
) -> None:
    async with _served(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        await import_roll(client, auth, ROLL)
        contests = Contests(client, auth("RO1", "returning_officer"), auth)
        motion = await contests.create(title="Watched", kind="motion")
        await contests.step(motion, "open")

        # Each wave of votes starts once the watcher has seen the count the last one left, so
        # every count is seen however slowly the machine runs; the close follows the last wave.
        waves = [["S1", "S2"], ["S3", "W1", "W2"], ["S4"]]
        awaited = [0, 2, 5, 6]
        seen: list[dict[str, Any]] = []
        steps: list[asyncio.Task[Any]] = []

        async def cast_wave(members: list[str]) -> None:
            await asyncio.gather(*(contests.cast(motion, m, {"choice": "for"}) for m in members))

        async with asyncio.timeout(120):  # against hangs only
            stream = f"/api/v1/contests/{motion['id']}/turnout/stream"
            async with client.stream("GET", stream, headers=auth("W3")) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                async for turnout in _turnout_events(response):
                    seen.append(turnout)
                    if len(steps) < len(awaited) and turnout["voted"] == awaited[len(steps)]:
                        step = (
                            cast_wave(waves[len(steps)])
                            if len(steps) < len(waves)
                            else contests.step(motion, "close")
                        )
                        steps.append(asyncio.create_task(step))
            await asyncio.gather(*steps)

    counts = [t["voted"] for t in seen]
    assert counts[0] == 0
    assert counts == sorted(counts)
    assert {2, 5, 6} <= set(counts)  # each wave was seen while the contest was open
    assert all(t["electorate"] == 15 for t in seen)
    assert [t["state"] for t in seen[:-1]] == ["open"] * (len(seen) - 1)
    assert seen[-1] == {"contest": motion["id"], "state": "closed", "electorate": 15, "voted": 6}
