"""The civic clock fails a petition whose window has ended, without anyone looking at it
(issue 7, "Recall petitions")."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from assembly.petitions.recall_models import RecallPetition
from service.database import session_for
from service.due_work import DueWorkRunner
from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import ROLL, Hall
from tests.voting.conftest import import_roll


async def test_clock_closes_a_petition_whose_window_ended_short(
    client: httpx.AsyncClient, auth: Callable[..., dict[str, str]], database_url: str
) -> None:
    await import_roll(client, auth, ROLL)
    hall = Hall(client, auth)
    office = await hall.call(
        "POST",
        "/offices",
        auth("ADMIN1", "admin"),
        {"title": "Councillor", "kind": "councillor", "scope": "branch:glasgow", "holder": "S1"},
        201,
    )
    petition = await hall.call(
        "POST", f"/offices/{office['id']}/petitions", "S2", {"reason": "Broke the pledge."}, 201
    )
    assert petition["threshold"] == 2  # a fifth of 10, by default
    await hall.call("POST", f"/petitions/{petition['id']}/signatures", "S2", None, 201)
    async with session_for(database_url) as session:
        await session.execute(
            update(RecallPetition)
            .where(RecallPetition.id == uuid.UUID(petition["id"]))
            .values(closes_at=RecallPetition.opened_at)
        )
        await session.commit()

    engine = create_async_engine(database_url)
    try:
        clock = DueWorkRunner(engine)
        await clock.tick()  # (the app's own clock may take the step first: the same outcome)
        assert await clock.tick() == []  # nothing is left due
    finally:
        await engine.dispose()
    entries = [e for e in await log_entries(database_url) if e["type"] == "petition.failed"]
    assert [(e["actor"], e["facts"]["signatures"]) for e in entries] == [("system", 1)]
