"""The one "due work" runner: every timetabled step happens on time, without anyone looking.

Contests open at ``opens_at`` and close at ``closes_at``; assemblies move along their timetable;
recall petitions fail when their window ends short, log their count per interval and apply a
published recall result; election nominations close at their time; an office's selection for
its next term opens; a fair sortition's portfolio is solved and its commitment logged
(``BACKGROUND_WORKS``, in a second runner so that a minute's solve delays no timetabled step).
Each kind of step is a :class:`Work`: a query for the rows that are due (by
the database's clock, from the owning package: ``voting.due_work``, ``assembly.due_work``) and
the domain function that takes the step. Each service process runs one :class:`DueWorkRunner` in
the app's lifespan; about every :data:`POLL_SECONDS` it takes every due row, one at a time,
``FOR NO KEY UPDATE SKIP LOCKED`` (see ``voting.due_work`` for why not ``FOR UPDATE``), runs its
step in a transaction of its own and commits at once.

Nothing that matters is held in memory: a process that was down catches up on its first round,
and of several processes only one takes a row while the others skip it; each step re-checks the
state under the row lock, so a step is never taken twice. A step that fails (opening a contest
with no roll, a box that does not add up) is logged without personal data and left alone for a
while (5 s, doubling to 5 minutes) so the runner does not spin on it.

Reads never take these steps (a GET never writes): between a time passing and the next round,
a page may show the state before the step for up to a second.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Final

from litestar import Litestar
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from assembly.due_work import (
    due_assemblies,
    due_elections,
    due_offices,
    due_petitions,
    due_sortitions,
)
from assembly.elections.election_models import Election
from assembly.elections.elections import touch_election
from assembly.elections.reselection import touch_office
from assembly.meetings.assemblies import touch_assembly
from assembly.models import Assembly
from assembly.petitions.petitions import touch_petition
from assembly.petitions.recall_models import Office, RecallPetition
from assembly.sortition.sortition_draw import finish_commitment
from assembly.sortition.sortition_models import Sortition
from schemas.problems import DomainError
from service.database import engine_options
from service.settings import Settings
from voting import lifecycle
from voting.due_work import due_to_close, due_to_open, missed_opening
from voting.models import Contest

__all__ = [
    "ACTOR",
    "BACKGROUND_WORKS",
    "POLL_SECONDS",
    "WORKS",
    "DueWorkRunner",
    "Step",
    "Work",
    "due_work_lifespan",
]

POLL_SECONDS: Final = 1.0
"""How often each process looks for due work."""

ACTOR: Final = "system"
"""The actor named in the log entries of steps the runner takes."""

_FIRST_HOLD_OFF: Final = 5.0
_LONGEST_HOLD_OFF: Final = 300.0
_STOP_SECONDS: Final = 5.0
_log = logging.getLogger("plenary.due_work")


@dataclass(frozen=True, slots=True)
class Work:
    """One kind of timetabled step: which rows are due, and the step that takes one.

    ``table`` is the mapped class whose row is locked while the step runs; ``step`` runs in the
    runner's transaction (the runner commits); ``after`` runs once the step is committed (the
    vacuum after a secret box closes) and may fail without undoing the step.
    """

    what: str  # "contest", "assembly", …: named in the log
    action: str  # "open", "close", "step": named in the log and in each Step
    table: Any
    due: Callable[[], Select[uuid.UUID]]
    step: Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
    after: Callable[[AsyncEngine, Any], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step the runner took (or tried): which row, which action, and whether it held."""

    what: str
    key: uuid.UUID
    action: str
    done: bool


@dataclass(slots=True)
class _HoldOff:
    failures: int
    until: float  # time.monotonic()


async def _vacuum_secret_box(engine: AsyncEngine, contest: Contest) -> None:
    """After a secret box closes, reclaim the row versions that carried the casting
    transactions, as the returning officer's close does (``voting.lifecycle.vacuum_box``)."""
    if contest.secret:
        await lifecycle.vacuum_box(engine)


WORKS: Final[Sequence[Work]] = (
    # Opening comes before closing, so a contest whose window passed within one round still
    # opens and then closes in order.
    Work(
        "contest",
        "open",
        Contest,
        due_to_open,
        functools.partial(lifecycle.open_contest, actor=ACTOR),
    ),
    Work(
        "contest",
        "close",
        Contest,
        due_to_close,
        functools.partial(lifecycle.close_contest, actor=ACTOR),
        after=_vacuum_secret_box,
    ),
    Work(
        "assembly", "step", Assembly, due_assemblies, functools.partial(touch_assembly, lock=True)
    ),
    Work(
        "petition",
        "step",
        RecallPetition,
        due_petitions,
        functools.partial(touch_petition, lock=True),
    ),
    Work(
        "election",
        "close nominations",
        Election,
        due_elections,
        functools.partial(touch_election, lock=True),
    ),
    Work(
        "office",
        "open reselection",
        Office,
        due_offices,
        functools.partial(touch_office, lock=True),
    ),
)


BACKGROUND_WORKS: Final[Sequence[Work]] = (
    # A fair draw's portfolio takes up to a minute to solve (in a worker thread): a runner of
    # its own takes it, so no contest waits that long to open or close.
    Work("sortition", "solve and commit", Sortition, due_sortitions, finish_commitment),
)
"""Slow work: each process runs a second runner for it beside the timetabled steps."""


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


class DueWorkRunner:
    """Takes every due step of ``works`` for one service process; holds no state that matters."""

    def __init__(self, engine: AsyncEngine, works: Sequence[Work] = WORKS) -> None:
        """Work through sessions on ``engine`` (one or two connections are plenty)."""
        self._engine = engine
        self._works = works
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._held: dict[tuple[str, uuid.UUID], _HoldOff] = {}
        self._missed_reported: set[uuid.UUID] = set()
        self._failing = False

    def _held_now(self, work: Work) -> list[uuid.UUID]:
        """Rows of ``work`` still in their hold-off; once it ends a row is tried again, and its
        failure count (kept) doubles the next wait."""
        moment = time.monotonic()
        return [
            key for (what, key), h in self._held.items() if what == work.what and h.until > moment
        ]

    async def _take_one(self, work: Work) -> Step | None:
        """Take one due row nobody else holds and step it, in its own transaction.
        Cost: one indexed query, plus the step."""
        async with self._sessions() as session:
            query = work.due().limit(1)
            held = self._held_now(work)
            if held:
                query = query.where(work.table.id.not_in(held))
            # key_share without read is FOR NO KEY UPDATE on PostgreSQL: it conflicts with other
            # runners, not with casts (see voting.due_work).
            query = query.with_for_update(skip_locked=True, key_share=True, of=work.table)
            key = await session.scalar(query)
            if key is None:
                return None
            try:
                taken = await work.step(session, key)
                await session.commit()
            except Exception as exc:
                await session.rollback()
                self._hold_off(work, key, exc)
                return Step(work.what, key, work.action, done=False)
        self._held.pop((work.what, key), None)
        _log.info("%s %s: %s taken on time", work.what, key, work.action)
        if work.after is not None:
            try:
                await work.after(self._engine, taken)
            except Exception as exc:
                _log.warning(
                    "%s %s: %s taken, but what follows it failed: %s",
                    work.what,
                    key,
                    work.action,
                    _reason(exc),
                )
        return Step(work.what, key, work.action, done=True)

    def _hold_off(self, work: Work, key: uuid.UUID, exc: BaseException) -> None:
        previous = self._held.get((work.what, key))
        failures = previous.failures + 1 if previous else 1
        wait = min(_FIRST_HOLD_OFF * 2 ** (failures - 1), _LONGEST_HOLD_OFF)
        self._held[(work.what, key)] = _HoldOff(failures, time.monotonic() + wait)
        _log.warning(
            "%s %s is due to %s but could not: %s (trying again in %.0f s)",
            work.what,
            key,
            work.action,
            _reason(exc),
            wait,
        )

    async def _report_missed(self) -> None:
        async with self._sessions() as session:
            missed = set((await session.scalars(missed_opening())).all()) - self._missed_reported
        for contest_id in sorted(missed):
            _log.warning(
                "contest %s was never opened and its closing time has passed; it will not be "
                "opened automatically: a returning officer should define it again",
                contest_id,
            )
        self._missed_reported |= missed

    async def tick(self) -> list[Step]:
        """One round: every due step of every work, in the order of ``works``.
        Returns the steps taken or tried. Cost when nothing is due: one indexed query a work,
        and one for contests that missed their opening."""
        steps: list[Step] = []
        for work in self._works:
            while (step := await self._take_one(work)) is not None:
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
                    _log.info("due work runner is working again")
                    self._failing = False
            except Exception as exc:
                if not self._failing:
                    _log.warning("due work runner cannot reach the database: %s", _reason(exc))
                    self._failing = True
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_SECONDS)


@asynccontextmanager
async def due_work_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run the due work while the app runs, on an engine of its own (three connections: the
    step, the vacuum after a secret box closes, and the slow work of ``BACKGROUND_WORKS`` in a
    runner of its own).

    Its own engine because the app's is created by the database plugin's lifespan, which
    Litestar enters after this one. On shutdown a round in progress may finish (up to 5 s);
    a round stuck on the database is cancelled, and its transaction rolls back.
    """
    settings: Settings = app.state.settings
    if settings.database_url is None:
        raise RuntimeError("the due work runner needs the database's URL")
    engine = create_async_engine(
        settings.database_url, pool_size=2, max_overflow=1, **engine_options(settings)
    )
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(DueWorkRunner(engine).run(stop), name="due-work"),
        asyncio.create_task(
            DueWorkRunner(engine, BACKGROUND_WORKS).run(stop), name="due-work-background"
        ),
    ]
    try:
        yield
    finally:
        stop.set()
        for task in tasks:
            with suppress(TimeoutError):
                await asyncio.wait_for(task, timeout=_STOP_SECONDS)
        await engine.dispose()
