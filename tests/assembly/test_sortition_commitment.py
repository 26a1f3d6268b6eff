"""A fair draw's portfolio is solved by the due work runner, not in the request (issue 18):
the commitment is logged once, by one of several runners, and refused if the named round
passed during the solve. The clock is injected into the step (the beacons are of 2023)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from assembly.sortition.sortition import create_sortition, load_sortition, volunteer
from assembly.sortition.sortition_draw import commit_sortition, finish_commitment
from roll.imports import import_roll_csv
from schemas.sortition import CommitIn, QuotaIn, SortitionCreate, SourceIn
from service.due_work import BACKGROUND_WORKS, DueWorkRunner
from tests.assembly.conftest import log_entries
from tests.assembly.test_elections import ROLL
from tests.assembly.test_sortition_drand import _due

ROUND = 657413


async def _committing(session: AsyncSession) -> uuid.UUID:
    """A maximin sortition of S1–S10 whose pool was closed a minute before ``ROUND`` was due."""
    before = _due(ROUND) - dt.timedelta(minutes=1)
    await import_roll_csv(session, ROLL.encode(), source="test")
    made = await create_sortition(
        session,
        SortitionCreate(
            title="Committee",
            role="Glasgow committee",
            scope="branch:glasgow",
            seats=4,
            features=["gender"],
            quotas=[QuotaIn(feature="gender", value="woman", min=2, max=2)],
        ),
        created_by="RO1",
    )
    for n in range(1, 11):
        await volunteer(session, made.id, subject=f"S{n}", at=before - dt.timedelta(hours=1))
    named = CommitIn(source=SourceIn(round=ROUND))
    closed = await commit_sortition(session, made.id, named, at=before)
    assert (closed.state, closed.portfolio, closed.committed_at) == ("committing", None, None)
    await session.commit()
    return made.id


def _runner(engine: object, at: dt.datetime) -> DueWorkRunner:
    (work,) = BACKGROUND_WORKS
    step = functools.partial(finish_commitment, clock=lambda: at)
    return DueWorkRunner(engine, [dataclasses.replace(work, step=step)])  # type: ignore[arg-type]


async def test_two_runners_solve_the_portfolio_once_and_log_the_commitment_once(
    db_session: AsyncSession, database_url: str
) -> None:
    sortition_id = await _committing(db_session)
    at = _due(ROUND) - dt.timedelta(seconds=20)
    engines = [create_async_engine(database_url, pool_size=1) for _ in range(2)]
    try:
        rounds = await asyncio.gather(*(_runner(e, at).tick() for e in engines))
        again = await _runner(engines[0], at).tick()
    finally:
        for engine in engines:
            await engine.dispose()
    steps = [step for taken in rounds for step in taken]
    assert [(s.key, s.done) for s in steps] == [(sortition_id, True)]
    assert again == []  # nothing is due once committed
    db_session.expire_all()
    committed = await load_sortition(db_session, sortition_id)
    assert (committed.state, committed.committed_at) == ("committed", at)
    assert committed.portfolio is not None
    assert committed.portfolio["lowest_chance"] == "2/5"  # 4 seats, 2 of 5 women, 2 of 5 men
    mine = [
        e
        for e in await log_entries(database_url)
        if e["subjects"].get("sortition") == str(sortition_id)
    ]
    assert [e["type"] for e in mine].count("sortition.committed") == 1
    assert next(e for e in mine if e["type"] == "sortition.committed")["actor"] == "system"


async def test_a_round_that_passes_during_the_solve_leaves_nothing_committed(
    db_session: AsyncSession, database_url: str
) -> None:
    sortition_id = await _committing(db_session)
    late = _due(ROUND) + dt.timedelta(seconds=1)
    engine = create_async_engine(database_url, pool_size=1)
    try:
        steps = await _runner(engine, late).tick()
    finally:
        await engine.dispose()
    assert [s.done for s in steps] == [True]
    db_session.expire_all()
    reopened = await load_sortition(db_session, sortition_id)
    assert (reopened.state, reopened.inputs, reopened.portfolio) == ("pool_open", None, None)
    assert reopened.commit_problem is not None
    assert f"round {ROUND} was published" in reopened.commit_problem
    assert "name a round still to come" in reopened.commit_problem
    types = [
        e["type"]
        for e in await log_entries(database_url)
        if e["subjects"].get("sortition") == str(sortition_id)
    ]
    assert "sortition.commit_failed" in types
    assert "sortition.committed" not in types
