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

        async def vote_in_waves() -> None:
            for wave in (["S1", "S2"], ["S3", "W1", "W2"], ["S4"]):
                await asyncio.gather(*(contests.cast(motion, m, {"choice": "for"}) for m in wave))
                await asyncio.sleep(1.3)  # at least one event per wave
            await contests.step(motion, "close")

        seen: list[dict[str, Any]] = []
        voting: asyncio.Task[None] | None = None
        async with asyncio.timeout(20):
            stream = f"/api/v1/contests/{motion['id']}/turnout/stream"
            async with client.stream("GET", stream, headers=auth("W3")) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                async for turnout in _turnout_events(response):
                    seen.append(turnout)
                    if voting is None:  # members start voting once the watcher is connected
                        voting = asyncio.create_task(vote_in_waves())
            assert voting is not None
            await voting

    counts = [t["voted"] for t in seen]
    assert counts[0] == 0
    assert counts == sorted(counts)
    assert {2, 5, 6} <= set(counts)  # each wave was seen while the contest was open
    assert all(t["electorate"] == 15 for t in seen)
    assert [t["state"] for t in seen[:-1]] == ["open"] * (len(seen) - 1)
    assert seen[-1] == {"contest": motion["id"], "state": "closed", "electorate": 15, "voted": 6}
