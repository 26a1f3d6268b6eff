"""The contest clock: contests open at their ``opens_at`` and close at their ``closes_at`` by
themselves, also after a restart and with several service processes on one database.

Each service process runs one :class:`ContestClock` in the app's lifespan. About once a second
it asks the database for contests that are due (a draft whose ``opens_at`` has passed, an open
contest whose ``closes_at`` has passed, by the database's clock), takes each with
``FOR NO KEY UPDATE SKIP LOCKED`` and runs :func:`voting.lifecycle.open_contest` or
:func:`~voting.lifecycle.close_contest` (actor ``system``) in a transaction of its own, committed
at once (and, for a secret box, vacuums it afterwards as the returning officer's close does).
Nothing that matters is held in memory: a process that was down catches up on its
first round, and of several processes only one takes a contest while the others skip it; the
state check in ``voting.lifecycle`` refuses a second close if two ever raced.

Why ``NO KEY UPDATE`` rather than ``UPDATE``: every cast holds the contest row ``FOR KEY SHARE``
(``voting.casting``), which a ``FOR UPDATE … SKIP LOCKED`` would skip, so a busy contest
would never be seen as due. ``FOR NO KEY UPDATE`` conflicts with another clock (and with a
returning officer's step) but not with casts; the lifecycle step then locks the row
``FOR UPDATE``, which waits for the casts in flight, so no ballot lands after the box closes.

A contest that cannot change state (opening with no roll, a box that does not add up) is
logged without personal data and left alone for a while (5 s, doubling to 5 minutes) so the
clock does not spin on it. A draft whose closing time passed before it ever opened is not
opened (its voting window is gone); it is reported once for a returning officer to redefine.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Final, Literal

from litestar import Litestar
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

from schemas.problems import DomainError
from service.settings import Settings
from voting import lifecycle
from voting.models import Contest

__all__ = [
    "ACTOR",
    "POLL_SECONDS",
    "ClockStep",
    "ContestClock",
    "contest_clock_lifespan",
]

POLL_SECONDS: Final = 1.0
"""How often each process looks for contests due to open or close."""

ACTOR: Final = "system"
"""The actor named in the log entries of steps the clock takes."""

_FIRST_HOLD_OFF: Final = 5.0
_LONGEST_HOLD_OFF: Final = 300.0
_STOP_SECONDS: Final = 5.0

_log = logging.getLogger("plenary.scheduler")

Action = Literal["open", "close"]


@dataclass(frozen=True, slots=True)
class ClockStep:
    """One step the clock took (or tried): which contest, which action, and whether it held."""

    contest_id: uuid.UUID
    action: Action
    done: bool


@dataclass(slots=True)
class _HoldOff:
    failures: int
    until: float  # time.monotonic()


_STEPS: Final[dict[Action, Callable[..., Awaitable[Contest]]]] = {
    "open": lifecycle.open_contest,
    "close": lifecycle.close_contest,
}


def _due(action: Action) -> Select[uuid.UUID]:
    """Contests due for ``action`` now (database clock), earliest first."""
    if action == "open":
        return (
            select(Contest.id)
            .where(
                Contest.state == "draft",
                Contest.opens_at <= func.now(),
                or_(Contest.closes_at.is_(None), Contest.closes_at > func.now()),
            )
            .order_by(Contest.opens_at)
        )
    return (
        select(Contest.id)
        .where(Contest.state == "open", Contest.closes_at <= func.now())
        .order_by(Contest.closes_at)
    )


_MISSED = select(Contest.id).where(Contest.state == "draft", Contest.closes_at <= func.now())


def _reason(exc: BaseException) -> str:
    """What went wrong, without personal data.

    A ``DomainError``'s message is written for people and names contests and scopes only. For
    anything else only the first line is kept: database errors put the statement's parameters
    and a ``DETAIL`` with row values on later lines.
    """
    if isinstance(exc, DomainError):
        return str(exc)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first[:200]}"


class ContestClock:
    """Opens and closes due contests for one service process; holds no state that matters."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Work through sessions on ``engine`` (two connections are plenty)."""
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._held: dict[uuid.UUID, _HoldOff] = {}
        self._missed_reported: set[uuid.UUID] = set()
        self._failing = False

    def _held_now(self) -> list[uuid.UUID]:
        """Contests still in their hold-off; once it ends a contest is tried again, and its
        failure count (kept) doubles the next wait."""
        now = time.monotonic()
        return [c for c, h in self._held.items() if h.until > now]

    async def _take_one(self, action: Action) -> ClockStep | None:
        """Take one due contest nobody else holds and step it, in its own transaction.

        Cost: one indexed query, plus the step (opening freezes the electorate: one
        INSERT … SELECT over the members in scope).
        """
        async with self._sessions() as session:
            query = _due(action).limit(1)
            held = self._held_now()
            if held:
                query = query.where(Contest.id.not_in(held))
            # key_share without read is FOR NO KEY UPDATE on PostgreSQL: it conflicts with other
            # clocks, not with casts (see the module docstring).
            query = query.with_for_update(skip_locked=True, key_share=True)
            contest_id = await session.scalar(query)
            if contest_id is None:
                return None
            try:
                contest = await _STEPS[action](session, contest_id, actor=ACTOR)
                await session.commit()
            except Exception as exc:
                await session.rollback()
                self._hold_off(contest_id, action, exc)
                return ClockStep(contest_id, action, done=False)
        self._held.pop(contest_id, None)
        _log.info("contest %s %s on time by the clock", contest_id, _PAST[action])
        if action == "close" and contest.secret:
            await self._vacuum(contest_id)
        return ClockStep(contest_id, action, done=True)

    async def _vacuum(self, contest_id: uuid.UUID) -> None:
        """After a secret box closes, reclaim the row versions that carried the casting
        transactions (as the returning officer's close does; ``voting.lifecycle.vacuum_box``).
        The close stands if this fails; autovacuum gets there later."""
        try:
            await lifecycle.vacuum_box(self._engine)
        except Exception as exc:
            _log.warning(
                "contest %s closed, but vacuuming its box failed: %s", contest_id, _reason(exc)
            )

    def _hold_off(self, contest_id: uuid.UUID, action: Action, exc: BaseException) -> None:
        previous = self._held.get(contest_id)
        failures = previous.failures + 1 if previous else 1
        wait = min(_FIRST_HOLD_OFF * 2 ** (failures - 1), _LONGEST_HOLD_OFF)
        self._held[contest_id] = _HoldOff(failures, time.monotonic() + wait)
        _log.warning(
            "contest %s is due to %s but could not: %s (trying again in %.0f s)",
            contest_id,
            action,
            _reason(exc),
            wait,
        )

    async def _report_missed(self) -> None:
        async with self._sessions() as session:
            missed = set((await session.scalars(_MISSED)).all()) - self._missed_reported
        for contest_id in sorted(missed):
            _log.warning(
                "contest %s was never opened and its closing time has passed; it will not be "
                "opened automatically: a returning officer should define it again",
                contest_id,
            )
        self._missed_reported |= missed

    async def tick(self) -> list[ClockStep]:
        """One round: open every due draft, then close every due open contest.

        Returns the steps taken or tried. Cost when nothing is due: three indexed queries.
        Opening comes first so a contest whose window passed within one round still opens
        and then closes in order.
        """
        steps: list[ClockStep] = []
        for action in ("open", "close"):
            while (step := await self._take_one(action)) is not None:
                steps.append(step)
        await self._report_missed()
        return steps

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every :data:`POLL_SECONDS` until ``stop`` is set; never raises.

        A database that cannot be reached is reported when it starts and stops failing, and
        tried again every round.
        """
        while not stop.is_set():
            try:
                await self.tick()
                if self._failing:
                    _log.info("contest clock is working again")
                    self._failing = False
            except Exception as exc:
                if not self._failing:
                    _log.warning("contest clock cannot reach the database: %s", _reason(exc))
                    self._failing = True
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)


_PAST: Final[dict[Action, str]] = {"open": "opened", "close": "closed"}


@asynccontextmanager
async def contest_clock_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the contest clock while the app runs, on an engine of its own (two connections).

    Its own engine because the app's is created by the database plugin's lifespan, which
    Litestar enters after this one. On shutdown a round in progress may finish (up to 5 s);
    a round stuck on the database is cancelled, and its transaction rolls back.
    """
    settings: Settings = app.state.settings
    assert settings.database_url is not None
    engine = create_async_engine(settings.database_url, pool_size=1, max_overflow=1)
    stop = asyncio.Event()
    task = asyncio.create_task(ContestClock(engine).run(stop), name="contest-clock")
    try:
        yield
    finally:
        stop.set()
        with suppress(TimeoutError):
            await asyncio.wait_for(task, timeout=_STOP_SECONDS)
        await engine.dispose()
