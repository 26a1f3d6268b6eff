"""The mail outbox against a real SMTP server: mail waits while the server is down, is tried
again with back-off on the outbox's clock, and goes once it is up; the demo's copy folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from service.database import session_for
from service.signin.mailer import Outbox, retry_delay
from service.signin.settings import SignInSettings
from service.signin.store import enqueue_mail, mail_outbox
from tests.sessions import MovableClock
from tests.signin_mail import free_port, mail_server


async def _queue(database_url: str, clock: MovableClock, count: int = 1) -> None:
    async with session_for(database_url) as db:
        for n in range(count):
            await enqueue_mail(
                db, to_address=f"m{n}@x.example", subject="Hello", body=f"code {n}", now=clock()
            )
        await db.commit()


def test_retries_back_off_from_five_seconds_to_fifteen_minutes() -> None:
    assert [retry_delay(n).total_seconds() for n in range(4)] == [5, 10, 20, 40]
    assert retry_delay(20) == dt.timedelta(minutes=15)


async def test_mail_waits_while_the_server_is_down_and_goes_when_it_is_up(
    database_url: str,
) -> None:
    clock = MovableClock()
    port = free_port()
    settings = SignInSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    engine = create_async_engine(database_url)
    try:
        outbox = Outbox(engine, settings, clock)
        await _queue(database_url, clock, 2)
        assert await outbox.send_due() == 2  # refused: nobody listens on the port
        async with engine.connect() as conn:
            rows = (await conn.execute(select(mail_outbox))).all()
        assert [r.attempts for r in rows] == [1, 1]
        assert all(r.sent_at is None and r.body for r in rows)
        with mail_server(port) as smtp:
            assert await outbox.send_due() == 0  # not due again for five seconds
            clock.advance(seconds=5)
            assert await outbox.send_due() == 2
            received = await smtp.wait_for(2)
        assert sorted(m["To"] for m in received) == ["m0@x.example", "m1@x.example"]
        async with engine.connect() as conn:
            rows = (await conn.execute(select(mail_outbox))).all()
        assert all(r.sent_at is not None and r.body is None for r in rows)
        assert await outbox.send_due() == 0
    finally:
        await engine.dispose()


async def test_the_demo_writes_each_mail_to_its_folder(database_url: str, tmp_path: Path) -> None:
    clock = MovableClock()
    folder = tmp_path / "outbox"
    engine = create_async_engine(database_url)
    try:
        outbox = Outbox(engine, SignInSettings(mail_copy_dir=folder), clock)
        await _queue(database_url, clock)
        assert await outbox.send_due() == 1
        (written,) = folder.glob("*.eml")
        assert b"code 0" in written.read_bytes()
        assert await outbox.send_due() == 0
    finally:
        await engine.dispose()
