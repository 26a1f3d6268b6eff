"""Sessions for tests that need a signed-in page caller without going through a sign-in page:
a row opened with the store's own function on the app's engine, and its cookie value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from litestar import Litestar

from service.sessions import open_session
from service.signin.settings import SignInSettings
from service.web.session import clock_of


async def session_cookie(app: Litestar, subject: str, roles: Sequence[str] = ("member",)) -> str:
    """A live session for ``subject`` with ``roles`` on ``app``; the cookie's value."""
    state = app.state
    engine = state[state.get("db_engine_key", "db_engine")]
    async with engine.begin() as conn:
        return await open_session(
            conn,
            subject=subject,
            roles=roles,
            method="test",
            now=clock_of(state)(),
            policy=SignInSettings.for_service(state.settings).policy,
        )


class MovableClock:
    """A clock a test moves by hand (``clock.advance(minutes=31)``)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
