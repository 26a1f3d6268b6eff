"""Live turnout at a constant cost to the database, whatever the number of viewers.

Every turnout stream (the API's ``…/turnout/stream``, the officer's page) used to count the
votes once a second for itself: fifty viewers kept a database core busy. Now each process keeps
one feed per open contest with viewers: one task counts once a ``interval`` and hands the
figure to every viewer of that contest; when the last viewer leaves, or the contest is no longer
open, the feed stops. So the database sees one count per second per process per contest.

Who may watch is checked once, when a stream starts (``voting.queries.turnout`` with the
viewer); the feed's own count needs no viewer. A member may hold at most
``MAX_STREAMS_PER_MEMBER`` streams at once in one process (a 429 past that), so nobody can
tie up connections for everyone else. The sleep between counts is injected, so tests step the
feed without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from litestar.exceptions import TooManyRequestsException
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schemas.contests import Turnout
from voting import queries

__all__ = ["MAX_STREAMS_PER_MEMBER", "TurnoutFeed", "turnout_feed"]

MAX_STREAMS_PER_MEMBER = 4
_log = logging.getLogger("plenary.turnout")
Sleep = Callable[[float], Awaitable[object]]


@dataclass
class _Contest:
    latest: Turnout
    version: int = 0
    viewers: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task[None] | None = None


class TurnoutFeed:
    """One counting task per watched open contest in this process, shared by its viewers."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        interval: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        per_member: int = MAX_STREAMS_PER_MEMBER,
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._sleep = sleep
        self._per_member = per_member
        self._contests: dict[uuid.UUID, _Contest] = {}
        self._streams: Counter[str] = Counter()
        self.counts = 0  # turnout queries this feed has run (for the bench and the tests)

    @asynccontextmanager
    async def watch(self, first: Turnout, watcher: str) -> AsyncIterator[AsyncIterator[Turnout]]:
        """The turnouts a viewer sees, starting with ``first`` (read with their viewer, which
        checked they may see it) and ending after the first that is not open. ``watcher``
        names who holds the stream, for the cap (call ``make_room`` first to refuse with a 429
        before the stream's answer has begun)."""
        self.make_room(watcher)
        self._streams[watcher] += 1
        contest_id = uuid.UUID(first.contest)
        contest = self._contests.get(contest_id)
        if contest is None and first.state == "open":
            contest = self._contests[contest_id] = _Contest(latest=first)
            contest.task = asyncio.create_task(self._count(contest_id, contest))
        if contest is not None:
            contest.viewers += 1
        try:
            yield self._updates(first, contest, contest.version if contest is not None else 0)
        finally:
            self._streams[watcher] -= 1
            if not self._streams[watcher]:
                del self._streams[watcher]
            if contest is not None:
                contest.viewers -= 1
                if not contest.viewers:
                    self._stop(contest_id, contest)

    def make_room(self, watcher: str) -> None:
        """Refuse (429) a stream past the cap for ``watcher``."""
        if self._streams[watcher] >= self._per_member:
            raise TooManyRequestsException(
                f"you already have {self._per_member} live turnout streams open; close one first",
                headers={"Retry-After": "30"},
            )

    async def _updates(
        self, first: Turnout, contest: _Contest | None, seen: int
    ) -> AsyncIterator[Turnout]:
        yield first
        if contest is None or first.state != "open":
            return

        def moved_on() -> bool:
            return contest.version > seen

        while True:
            async with contest.changed:
                await contest.changed.wait_for(moved_on)
            seen, current = contest.version, contest.latest
            yield current
            if current.state != "open":
                return

    async def _count(self, contest_id: uuid.UUID, contest: _Contest) -> None:
        while True:
            await self._sleep(self._interval)
            try:
                async with AsyncSession(self._engine) as session:
                    current = await queries.turnout_counts(session, contest_id)
            except (OSError, DBAPIError) as exc:  # the database is away: viewers keep the last
                _log.warning("turnout feed could not count: %s", type(exc).__name__)
                continue
            self.counts += 1
            async with contest.changed:
                contest.latest, contest.version = current, contest.version + 1
                contest.changed.notify_all()
            if current.state != "open":
                self._contests.pop(contest_id, None)
                return

    def _stop(self, contest_id: uuid.UUID, contest: _Contest) -> None:
        if self._contests.get(contest_id) is contest:
            del self._contests[contest_id]
        if contest.task is not None and not contest.task.done():
            contest.task.cancel()

    @property
    def watched(self) -> int:
        """Contests with a counting task now."""
        return len(self._contests)


def turnout_feed(state: object, engine: AsyncEngine) -> TurnoutFeed:
    """The process's feed, kept on the app's ``state``; made on first use."""
    feed: TurnoutFeed | None = getattr(state, "turnout_feed", None)
    if feed is None:
        feed = TurnoutFeed(engine)
        setattr(state, "turnout_feed", feed)  # noqa: B010 (Litestar's State takes attributes)
    return feed
