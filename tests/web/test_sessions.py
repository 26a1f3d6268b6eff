"""Server-side sessions: what a copied cookie, a timeout, sign-out everywhere and a suspension
do to them, with the app's clock moved by the test (never the wall clock)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
from litestar import Litestar
from sqlalchemy import select

from roll.imports import import_roll_csv
from service.app import create_app
from service.database import session_for
from service.demo import demo_roll_csv
from service.events import log_roll_import
from service.sessions import web_session
from service.settings import Settings
from service.signin.roll_changes import end_sessions_of_suspended
from tests.conftest import running
from tests.sessions import MovableClock
from tests.web.conftest import ROLL_SIZE, csrf_of, sign_in


def _copy(web: httpx.AsyncClient, app: Litestar) -> httpx.AsyncClient:
    """Another browser holding a copy of ``web``'s session cookie."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    other = httpx.AsyncClient(transport=transport, base_url="https://plenary.test")
    other.cookies.set("plenary_session", web.cookies["plenary_session"], domain="plenary.test")
    return other


async def test_sign_out_ends_the_session_so_a_copied_cookie_stops_working(
    web: httpx.AsyncClient, app: Litestar
) -> None:
    await sign_in(web, "M00001")
    async with _copy(web, app) as thief:
        assert (await thief.get("/home")).status_code == 200
        await web.post("/sign-out", data={"csrf": csrf_of((await web.get("/home")).text)})
        assert (await thief.get("/home")).status_code == 303


async def test_the_database_keeps_only_a_hash_of_the_session_id(
    web: httpx.AsyncClient, database_url: str
) -> None:
    await sign_in(web, "M00001")
    secret = web.cookies["plenary_session"]
    async with session_for(database_url) as db:
        rows = (await db.execute(select(web_session))).all()
    assert [row.id_hash for row in rows] == [hashlib.sha256(secret.encode()).hexdigest()]
    assert all(secret not in str(tuple(row)) for row in rows)


async def test_every_sign_in_gets_a_new_session_id(web: httpx.AsyncClient, app: Litestar) -> None:
    await sign_in(web, "M00001")
    first = web.cookies["plenary_session"]
    await sign_in(web, "M00002")
    second = web.cookies["plenary_session"]
    assert first != second
    async with _copy(web, app) as old:
        old.cookies.set("plenary_session", first, domain="plenary.test")
        assert (await old.get("/home")).status_code == 303


async def test_a_session_ends_after_the_idle_timeout(web: httpx.AsyncClient, app: Litestar) -> None:
    clock = MovableClock()
    app.state.clock = clock
    await sign_in(web, "M00001")
    clock.advance(minutes=29)
    assert (await web.get("/home")).status_code == 200
    clock.advance(minutes=29)  # used a minute ago counts: 29 minutes idle again
    assert (await web.get("/home")).status_code == 200
    clock.advance(minutes=31)
    assert (await web.get("/home")).status_code == 303


async def test_a_session_ends_at_its_absolute_timeout_however_busy(
    web: httpx.AsyncClient, app: Litestar
) -> None:
    clock = MovableClock()
    app.state.clock = clock
    await sign_in(web, "M00001")
    for _ in range(24):
        clock.advance(minutes=29)
        assert (await web.get("/home")).status_code == 200
    clock.advance(minutes=29)  # 11 h 36 min + 29 min > 12 h
    assert (await web.get("/home")).status_code == 303


async def test_sign_out_everywhere_ends_every_session_of_that_person(
    web: httpx.AsyncClient, app: Litestar
) -> None:
    await sign_in(web, "M00001")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as phone:
        await sign_in(phone, "M00001")
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as c:
            await sign_in(c, "M00002")
            home = await web.get("/home")
            out = await web.post("/sign-out/everywhere", data={"csrf": csrf_of(home.text)})
            assert out.status_code == 303
            assert (await web.get("/home")).status_code == 303
            assert (await phone.get("/home")).status_code == 303
            assert (await c.get("/home")).status_code == 200


def _roll_with(number: str, status: str) -> bytes:
    lines = demo_roll_csv(ROLL_SIZE).decode().splitlines()
    status_at = lines[0].split(",").index("status")
    changed = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == number:
            cells[status_at] = status
        changed.append(",".join(cells))
    return "\n".join(changed).encode() + b"\n"


async def test_suspending_a_member_on_the_roll_ends_their_sessions(
    web: httpx.AsyncClient, api: Callable[..., dict[str, str]]
) -> None:
    await sign_in(web, "M00001")
    await sign_in(other := web, "M00001")  # a second sign-in: the first session is gone anyway
    imported = await other.post(
        "/api/v1/members/import",
        content=_roll_with("M00001", "suspended"),
        headers={**api("ADMIN1", "admin"), "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    assert (await web.get("/home")).status_code == 303


async def test_the_roll_ends_only_suspended_members_sessions(
    web: httpx.AsyncClient, database_url: str
) -> None:
    await sign_in(web, "M00002")
    async with session_for(database_url) as db:
        imported = await import_roll_csv(db, _roll_with("M00001", "suspended"), source="t")
        await log_roll_import(db, imported, actor_role="admin")
        assert await end_sessions_of_suspended(db) == 0
        await db.commit()
    assert (await web.get("/home")).status_code == 200


async def test_the_demo_picker_exists_only_in_the_demo(settings: Settings, roll: None) -> None:
    app = create_app(settings.with_(extra={}))
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://x.test") as client:
            page = await client.get("/sign-in")
            assert "/sign-in/demo" not in page.text
