"""The hall screen live, at a constant cost to the database whatever the number of screens.

As ``service.turnout_feed`` does for turnout: each process keeps one feed per assembly with
viewers. One task asks ``hall_screen.screen_version`` once an ``interval`` (two short reads,
four while a vote is open); only when the answer changes does it build the screen again, once
for every viewer (when only the turnout moved it puts the new figure in, with no further
read). Each frame renders its HTML once per language, however many viewers read it. When the
last viewer leaves the task stops. A member may hold ``MAX_STREAMS_PER_MEMBER`` streams at
once in one process (a 429 past that). Who may watch is checked once, when a stream starts.
The sleep is injected, so tests step the feed.
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

from assembly.meetings.hall_screen import HallScreen, hall_screen, screen_version, with_turnout
from service.turnout_feed import MAX_STREAMS_PER_MEMBER

__all__ = ["HallFeed", "HallFrame", "hall_feed"]

_log = logging.getLogger("plenary.hall")
Sleep = Callable[[float], Awaitable[object]]
Render = Callable[[HallScreen, str], str]


@dataclass
class HallFrame:
    """One screen as every viewer gets it, its HTML rendered once per language."""

    screen: HallScreen
    render: Render
    _html: dict[str, str] = field(default_factory=dict)

    def html(self, language: str) -> str:
        if language not in self._html:
            self._html[language] = self.render(self.screen, language)
        return self._html[language]


@dataclass
class _Hall:
    latest: HallFrame
    serial: int = 0
    viewers: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task[None] | None = None


class HallFeed:
    """One watching task per assembly with viewers in this process, shared by them."""

    def __init__(
        self,
        engine: AsyncEngine,
        render: Render,
        *,
        interval: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        per_member: int = MAX_STREAMS_PER_MEMBER,
    ) -> None:
        self._engine = engine
        self._render = render
        self._interval = interval
        self._sleep = sleep
        self._per_member = per_member
        self._halls: dict[uuid.UUID, _Hall] = {}
        self._streams: Counter[str] = Counter()
        self.checks = 0  # version reads this feed has made (for the bench and the tests)
        self.builds = 0  # screens it has built

    def frame(self, screen: HallScreen) -> HallFrame:
        return HallFrame(screen, self._render)

    @asynccontextmanager
    async def watch(
        self, first: HallScreen, watcher: str
    ) -> AsyncIterator[AsyncIterator[HallFrame]]:
        """The frames a viewer sees, from ``first`` (built after checking they may see the
        assembly) and then each time the screen changes. Call ``make_room`` first."""
        self.make_room(watcher)
        self._streams[watcher] += 1
        assembly_id = uuid.UUID(first.assembly_id)
        hall = self._halls.get(assembly_id)
        if hall is None:
            hall = self._halls[assembly_id] = _Hall(latest=self.frame(first))
            hall.task = asyncio.create_task(self._watch(assembly_id, hall))
        hall.viewers += 1
        try:
            yield self._frames(self.frame(first), hall, hall.serial)
        finally:
            self._streams[watcher] -= 1
            if not self._streams[watcher]:
                del self._streams[watcher]
            hall.viewers -= 1
            if not hall.viewers:
                self._stop(assembly_id, hall)

    def make_room(self, watcher: str) -> None:
        """Refuse (429) a stream past the cap for ``watcher``."""
        if self._streams[watcher] >= self._per_member:
            raise TooManyRequestsException(
                f"you already have {self._per_member} hall screens open; close one first",
                headers={"Retry-After": "30"},
            )

    async def _frames(self, first: HallFrame, hall: _Hall, seen: int) -> AsyncIterator[HallFrame]:
        yield first
        shown = first.screen.version

        def moved_on() -> bool:
            return hall.serial > seen

        while True:
            async with hall.changed:
                await hall.changed.wait_for(moved_on)
            seen, current = hall.serial, hall.latest
            if current.screen.version != shown:
                shown = current.screen.version
                yield current

    async def _watch(self, assembly_id: uuid.UUID, hall: _Hall) -> None:
        while True:
            await self._sleep(self._interval)
            try:
                async with AsyncSession(self._engine) as session:
                    version = await screen_version(session, assembly_id)
                    self.checks += 1
                    if version == hall.latest.screen.version:
                        continue
                    screen = with_turnout(hall.latest.screen, version)
                    if screen is None:
                        screen = await hall_screen(session, assembly_id)
                        self.builds += 1
            except (OSError, DBAPIError) as exc:  # the database is away: screens keep the last
                _log.warning("hall feed could not read: %s", type(exc).__name__)
                continue
            async with hall.changed:
                hall.latest, hall.serial = self.frame(screen), hall.serial + 1
                hall.changed.notify_all()

    def _stop(self, assembly_id: uuid.UUID, hall: _Hall) -> None:
        if self._halls.get(assembly_id) is hall:
            del self._halls[assembly_id]
        if hall.task is not None and not hall.task.done():
            hall.task.cancel()

    @property
    def watched(self) -> int:
        """Assemblies with a watching task now."""
        return len(self._halls)


def hall_feed(state: object, engine: AsyncEngine, render: Render) -> HallFeed:
    """The process's feed, kept on the app's ``state``; made on first use."""
    feed: HallFeed | None = getattr(state, "hall_feed", None)
    if feed is None:
        feed = HallFeed(engine, render)
        setattr(state, "hall_feed", feed)  # noqa: B010 (Litestar's State takes attributes)
    return feed
