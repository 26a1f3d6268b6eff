"""The hall screen in the browser: a live page for the assembly's members, chairs and officers,
with no controls (``assembly.meetings.hall_screen``).

The page shows the screen when loaded; ``/static/hall.js`` then listens to the stream, which
sends a ``screen`` event (the screen's HTML in the reader's language and its version) each
time it changes, from the process's one ``service.hall_feed`` per assembly, so a hall of
screens costs the database the same as one. Without JavaScript the page refreshes itself.
Who may watch is ``visible_assembly``, checked when the page or the stream starts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request, Response, get
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from assembly.meetings.hall_screen import HallScreen, hall_screen
from service.deps import DbEngine, DbSession
from service.hall_feed import hall_feed
from service.routes.assemblies import visible_assembly
from service.web.i18n import translator
from service.web.params import AssemblyId
from service.web.render import environment, language_of, page
from service.web.session import signed_in

__all__ = ["HALL_HANDLERS", "render_hall"]


def render_hall(screen: HallScreen, language: str) -> str:
    """The screen's changing part as HTML in ``language`` (what the stream sends)."""
    template = environment().get_template("hall_body.html")
    return template.render(_=translator(language), lang=language, screen=screen)


@get("/assemblies/{assembly_id:uuid}/hall", name="web:hall")
async def hall_page(
    request: Request[Any, Any, Any], assembly_id: AssemblyId, db_session: DbSession
) -> Response[str]:
    """The hall screen: the current item, the debate, the speakers, the vote, the result."""
    assembly = await visible_assembly(request, db_session, assembly_id)
    await db_session.commit()
    screen = await hall_screen(db_session, assembly.id)
    _ = translator(language_of(request))
    return page(request, "hall.html", title=_("Hall screen: {title}", title=assembly.title),
                screen=screen)  # fmt: skip


@get("/assemblies/{assembly_id:uuid}/hall/stream", name="web:hall-stream")
async def hall_stream(
    request: Request[Any, Any, Any],
    assembly_id: AssemblyId,
    db_session: DbSession,
    db_engine: DbEngine,
) -> ServerSentEvent:
    """A ``screen`` event now and each time the screen changes."""
    assembly = await visible_assembly(request, db_session, assembly_id)
    await db_session.commit()
    watcher = signed_in(request).subject
    feed = hall_feed(request.app.state, db_engine, render_hall)
    feed.make_room(watcher)
    first = await hall_screen(db_session, assembly.id)
    await db_session.close()  # the stream may run for hours: hold no connection
    language = language_of(request)

    async def events() -> AsyncGenerator[ServerSentEventMessage, None]:
        async with feed.watch(first, watcher) as frames:
            async for frame in frames:
                version = frame.screen.version
                data = {
                    "version": [version.log_index, version.open_contest, version.voted],
                    "html": frame.html(language),
                }
                yield ServerSentEventMessage(data=json.dumps(data), event="screen")

    return ServerSentEvent(events())


HALL_HANDLERS = [hall_page, hall_stream]
