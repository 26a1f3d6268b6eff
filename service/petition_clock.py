"""The civic clock: petitions fail when their window ends short, published recall results are
applied, and election nominations close at their time, without anyone having to look.

Each step is also taken whenever anyone reads or acts on the petition or election (``touch``),
so the clock only makes them happen on time. About every :data:`POLL_SECONDS` each service
process finds what is due (by the database's clock) and touches each in a transaction of its
own, committed at once; the touch takes the row lock and re-checks the state, so several
processes never take a step twice. Failures are logged without personal data and tried again
next round.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, Final

from litestar import Litestar
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from assembly.elections.election_models import Election
from assembly.elections.elections import touch_election
from assembly.petitions.petitions import touch_petition
from assembly.petitions.recall_models import RecallPetition
from service.settings import Settings
from voting.models import Contest

__all__ = ["POLL_SECONDS", "CivicClock", "civic_clock_lifespan"]

POLL_SECONDS: Final = 2.0
"""How often each process looks for petitions and elections with a step due."""

_STOP_SECONDS: Final = 5.0
_log = logging.getLogger("plenary.civic_clock")

_PETITIONS_DUE = (
    select(RecallPetition.id)
    .outerjoin(Contest, Contest.id == RecallPetition.contest_id)
    .where(
        or_(
            (RecallPetition.state == "open") & (RecallPetition.closes_at <= func.now()),
            (RecallPetition.state == "succeeded") & (Contest.state == "published"),
        )
    )
)
_ELECTIONS_DUE = select(Election.id).where(
    Election.state == "nominations_open", Election.nominations_close_at <= func.now()
)


class CivicClock:
    """Takes the due steps of petitions and elections for one service process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def _step(self, what: str, key: uuid.UUID, touch: Callable[..., Awaitable[Any]]) -> bool:
        async with self._sessions() as session:
            try:
                await touch(session, key, lock=True)
                await session.commit()
            except Exception as exc:
                await session.rollback()
                first = str(exc).splitlines()[0][:200] if str(exc) else ""
                _log.warning("%s %s has a step due but it failed: %s", what, key, first)
                return False
        return True

    async def tick(self) -> int:
        """One round; returns how many steps were taken. Cost when nothing is due: two
        indexed queries."""
        async with self._sessions() as session:
            petitions = list((await session.scalars(_PETITIONS_DUE)).all())
            elections = list((await session.scalars(_ELECTIONS_DUE)).all())
        done = 0
        for petition_id in petitions:
            done += await self._step("petition", petition_id, touch_petition)
        for election_id in elections:
            done += await self._step("election", election_id, touch_election)
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every :data:`POLL_SECONDS` until ``stop`` is set; never raises."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception as exc:
                _log.warning("civic clock cannot reach the database: %s", type(exc).__name__)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)


@asynccontextmanager
async def civic_clock_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the civic clock while the app runs, on an engine of its own (one connection)."""
    settings: Settings = app.state.settings
    assert settings.database_url is not None
    engine = create_async_engine(settings.database_url, pool_size=1, max_overflow=0)
    stop = asyncio.Event()
    task = asyncio.create_task(CivicClock(engine).run(stop), name="civic-clock")
    try:
        yield
    finally:
        stop.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=_STOP_SECONDS)
        await engine.dispose()
