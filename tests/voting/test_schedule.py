"""Contests open and close by themselves on time: in one service, after a restart, with two.

Real PostgreSQL, real app lifespans (the contest clock runs in each). No test waits for time to
pass or measures how late a step was: a contest is defined an hour ahead and then its times are
moved back (``_time_passes``), which is to the database's clock what an injected clock is to
Python code. Waits for a running clock to act are bounded generously against hangs only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from audit.store import read_entries
from schemas.contests import BallotIn
from service.app import create_app
from service.database import session_for
from service.due_work import POLL_SECONDS, WORKS, DueWorkRunner
from service.settings import Settings
from tests.conftest import running
from tests.voting.conftest import ROLL, Contests, import_roll
from voting.casting import cast_ballot
from voting.lifecycle import ContestStateError
from voting.models import Contest

CONTEST_WORK = [work for work in WORKS if work.what == "contest"]

# A bound against hangs, never a measure of punctuality: a running clock acts within a poll
# or two, however busy the machine, and a test that waits this long has found a clock that
# does not act.
HANG = 60.0

HOUR = 3600.0

Auth = Callable[..., dict[str, str]]


def _at(seconds: float) -> str:
    """An ISO time ``seconds`` from now, as a returning officer would send it."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat()


@asynccontextmanager
async def _service(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` with its lifespan (and so its contest clock) running."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://plenary.test") as c:
            yield c


async def _row(database_url: str, contest_id: str) -> Contest:
    async with session_for(database_url) as s:
        contest = await s.scalar(select(Contest).where(Contest.id == uuid.UUID(contest_id)))
    assert contest is not None
    return contest


async def _time_passes(database_url: str, contest_id: str, seconds: float = HOUR + 1) -> None:
    """Move the contest's opening and closing times ``seconds`` into the past, as if that much
    time had passed on the database's clock (which the contest clock and casting both read)."""
    async with session_for(database_url) as s:
        await s.execute(
            text(
                "UPDATE contest SET opens_at = opens_at - make_interval(secs => :s),"
                " closes_at = closes_at - make_interval(secs => :s) WHERE id = :c"
            ),
            {"s": seconds, "c": uuid.UUID(contest_id)},
        )
        await s.commit()


async def _wait_for_state(
    database_url: str, contest_id: str, state: str, within: float = HANG
) -> Contest:
    """Poll the database until the contest reaches ``state``; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        contest = await _row(database_url, contest_id)
        if contest.state == state:
            return contest
        assert time.monotonic() < deadline, f"still {contest.state} after {within} s"
        await asyncio.sleep(0.1)


async def _last_vacuum(database_url: str) -> dt.datetime | None:
    async with session_for(database_url) as s:
        last: dt.datetime | None = await s.scalar(
            text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'contest_ballot'")
        )
    return last


async def _log_of(database_url: str, contest_id: str) -> list[dict[str, Any]]:
    async with session_for(database_url) as s:
        entries = [json.loads(e) for _, e in await read_entries(s, 0, 10_000)]
    return [e for e in entries if e.get("subjects", {}).get("contest") == contest_id]


async def test_contest_opens_and_closes_by_itself_on_time(
    contests: Contests, database_url: str
) -> None:
    motion = await contests.create(
        title="Timed motion", kind="motion", opens_at=_at(HOUR), closes_at=_at(2 * HOUR)
    )
    assert (await _row(database_url, motion["id"])).state == "draft"
    await _time_passes(database_url, motion["id"])
    opened = await _wait_for_state(database_url, motion["id"], "open")
    assert opened.electorate_size == 15
    await contests.cast(motion, "S1", {"choice": "for"})
    await contests.cast(motion, "W1", {"choice": "against"})

    await _time_passes(database_url, motion["id"], HOUR)
    closed = await _wait_for_state(database_url, motion["id"], "closed")
    assert closed.opened_at is not None
    assert closed.opens_at is not None
    assert closed.closed_at is not None
    assert closed.closes_at is not None
    assert closed.opened_at >= closed.opens_at  # never early
    assert closed.closed_at >= closed.closes_at
    assert closed.voters == 2
    # The secret box was rewritten and its old row versions vacuumed, as an RO's close does.
    deadline = time.monotonic() + HANG
    while await _last_vacuum(database_url) is None:
        assert time.monotonic() < deadline, "the closed secret box was not vacuumed"
        await asyncio.sleep(0.1)
    log = await _log_of(database_url, motion["id"])
    assert [(e["type"], e["actor"]) for e in log] == [
        ("contest.created", "returning_officer"),
        ("contest.opened", "system"),
        ("contest.closed", "system"),
    ]


async def test_contest_due_while_no_service_ran_closes_when_one_starts(
    settings: Settings, auth: Auth, database_url: str
) -> None:
    ro = auth("RO1", "returning_officer")
    async with _service(create_app(settings)) as client:
        await import_roll(client, auth, ROLL)
        motion = await Contests(client, ro, auth).create(
            title="Closes while down", kind="motion", closes_at=_at(HOUR)
        )
        await Contests(client, ro, auth).step(motion, "open")
    # No service runs while the closing time passes.
    await _time_passes(database_url, motion["id"])
    assert (await _row(database_url, motion["id"])).state == "open"

    async with _service(create_app(settings)):
        closed = await _wait_for_state(database_url, motion["id"], "closed")
    assert closed.closed_at is not None
    assert closed.closes_at is not None
    assert closed.closed_at > closed.closes_at
    log = await _log_of(database_url, motion["id"])
    assert [e["type"] for e in log].count("contest.closed") == 1


async def test_two_services_on_one_database_close_a_contest_once(
    settings: Settings, auth: Auth, database_url: str
) -> None:
    ro = auth("RO1", "returning_officer")
    async with _service(create_app(settings)) as client:
        await import_roll(client, auth, ROLL)
        contests = Contests(client, ro, auth)
        motion = await contests.create(title="Raced", kind="motion", closes_at=_at(HOUR))
        await contests.step(motion, "open")
        await contests.cast(motion, "S2", {"choice": "for"})
    await _time_passes(database_url, motion["id"])

    # Both services start after the closing time, so both clocks find it due at once.
    async with AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(_service(create_app(settings)))
        await _wait_for_state(database_url, motion["id"], "closed")
        await asyncio.sleep(POLL_SECONDS + 0.5)  # give every clock another round to err in

    log = await _log_of(database_url, motion["id"])
    assert [e["type"] for e in log].count("contest.closed") == 1
    assert (await _row(database_url, motion["id"])).voters == 1


async def test_clocks_ticking_together_take_a_due_contest_once(
    settings: Settings, auth: Auth, database_url: str
) -> None:
    ro = auth("RO1", "returning_officer")
    async with _service(create_app(settings)) as client:
        await import_roll(client, auth, ROLL)
        motion = await Contests(client, ro, auth).create(
            title="Raced harder", kind="motion", closes_at=_at(HOUR)
        )
        await Contests(client, ro, auth).step(motion, "open")
    await _time_passes(database_url, motion["id"])

    engines = [create_async_engine(database_url, pool_size=1) for _ in range(4)]
    try:
        rounds = await asyncio.gather(*(DueWorkRunner(e, CONTEST_WORK).tick() for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    steps = [step for steps in rounds for step in steps]
    assert [(str(s.key), s.action, s.done) for s in steps] == [(motion["id"], "close", True)]
    log = await _log_of(database_url, motion["id"])
    assert [e["type"] for e in log].count("contest.closed") == 1


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_contest_that_cannot_open_is_held_off_and_logged_without_personal_data(
    settings: Settings, auth: Auth, database_url: str
) -> None:
    # No roll has been imported, so the contest cannot open when its time comes.
    async with _service(create_app(settings)) as client:
        r = await client.post(
            "/api/v1/contests",
            json={"title": "Too early", "kind": "motion", "opens_at": _at(HOUR)},
            headers=auth("RO1", "returning_officer"),
        )
    assert r.status_code == 201, r.text
    contest_id = r.json()["id"]
    await _time_passes(database_url, contest_id)

    engine = create_async_engine(database_url, pool_size=1)
    try:
        clock = DueWorkRunner(engine, CONTEST_WORK)
        logger = logging.getLogger("plenary.due_work")
        logger.addHandler(seen := _Records())
        try:
            first = await clock.tick()
            again = await clock.tick()
        finally:
            logger.removeHandler(seen)
    finally:
        await engine.dispose()
    assert [(str(s.key), s.action, s.done) for s in first] == [(contest_id, "open", False)]
    assert again == []  # held off, not retried at once
    warnings = [r.getMessage() for r in seen.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert contest_id in warnings[0]
    assert "no member roll" in warnings[0]
    assert (await _row(database_url, contest_id)).state == "draft"


async def test_a_vote_after_the_closing_time_is_refused_before_the_clock_closes_the_box(
    settings: Settings, auth: Auth, database_url: str
) -> None:
    ro = auth("RO1", "returning_officer")
    async with _service(create_app(settings)) as client:
        await import_roll(client, auth, ROLL)
        contests = Contests(client, ro, auth)
        motion = await contests.create(title="Strict", kind="motion", closes_at=_at(HOUR))
        await contests.step(motion, "open")
        await contests.cast(motion, "S1", {"choice": "for"})
    await _time_passes(database_url, motion["id"])  # while no clock runs

    contest_id = uuid.UUID(motion["id"])
    async with session_for(database_url) as s:
        with pytest.raises(ContestStateError, match="voting in this contest closed at"):
            await cast_ballot(s, contest_id, "S2", BallotIn(choice="for"))
    contest = await _row(database_url, motion["id"])
    assert contest.state == "open"
    async with session_for(database_url) as s:
        voted = await s.scalar(
            text("SELECT count(*) FROM contest_elector WHERE contest_id = :c AND voted"),
            {"c": contest_id},
        )
        ballots = await s.scalar(
            text("SELECT count(*) FROM contest_ballot WHERE contest_id = :c"), {"c": contest_id}
        )
    assert (voted, ballots) == (1, 1)


async def test_contest_closes_on_time_while_members_keep_casting(
    settings: Settings, auth: Auth, database_url: str
) -> None:
    """Casts hold the contest row in key share; a stream of them must not starve the close."""
    big = "membership_number,name,email,branch,region,status\n" + "".join(
        f"K{n:04d},K {n},k{n}@x.org,leeds,YH,active\n" for n in range(400)
    )
    ro = auth("RO1", "returning_officer")
    async with _service(create_app(settings)) as client:
        await import_roll(client, auth, big)
        contests = Contests(client, ro, auth)
        motion = await contests.create(title="Busy close", kind="motion", closes_at=_at(HOUR))
        await contests.step(motion, "open")
        url = f"/api/v1/contests/{motion['id']}/ballots"
        statuses: list[int] = []
        stop = asyncio.Event()
        reached, target = asyncio.Event(), [32]

        async def member_keeps_trying(first: int) -> None:
            n = first
            while not stop.is_set():
                r = await client.post(url, json={"choice": "for"}, headers=auth(f"K{n:04d}"))
                statuses.append(r.status_code)
                if len(statuses) >= target[0]:
                    reached.set()
                n = (n + 16) % 400

        casters = [asyncio.create_task(member_keeps_trying(i)) for i in range(16)]
        try:
            await reached.wait()  # the casting is under way
            await _time_passes(database_url, motion["id"])
            closed = await _wait_for_state(database_url, motion["id"], "closed")
            reached.clear()
            target[0] = len(statuses) + 16
            await reached.wait()  # and went on after the close
        finally:
            stop.set()
            await asyncio.gather(*casters)
    assert closed.closed_at is not None
    assert closed.closes_at is not None
    assert closed.closed_at >= closed.closes_at
    assert statuses.count(409) >= 16  # refused once the box closed
    assert statuses.count(201) == closed.voters
    assert set(statuses) <= {201, 409}
