"""Fixtures for the page tests: an app with demo sign-in, a small roll, and a browser-like
client (https, cookies kept, redirects not followed so each step can be seen)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from roll.imports import import_roll_csv
from service.database import session_for
from service.demo import demo_roll_csv
from service.events import log_roll_import
from service.settings import Settings
from tests.conftest import running, without_rate_limits
from tests.web.browser import serve, skip_without_browser

ROLL_SIZE = 24
"""Members M00001…M00024, two in each demo branch; the first twenty are active."""

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """This test's database, with the demo sign-in page switched on."""
    return without_rate_limits(
        Settings(
            data_dir=tmp_path / "plenary",
            database_url=database_url,
            extra={"PLENARY_DEMO_SIGN_IN": "1"},
        )
    )


@pytest.fixture
async def roll(database_url: str) -> None:
    """A small demo roll (members in Scotland, Wales, London, the North West, Yorkshire)."""
    async with session_for(database_url) as session:
        imported = await import_roll_csv(session, demo_roll_csv(ROLL_SIZE), source="test")
        await log_roll_import(session, imported, actor_role="admin")
        await session.commit()


@pytest.fixture
async def web(app: Litestar, roll: None) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies like a browser, over https (so Secure cookies are sent)."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="https://plenary.test") as c:
            yield c


def csrf_of(html: str) -> str:
    """The forgery token the page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a csrf field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, subject: str) -> httpx.Response:
    """Sign in through the demo page as ``subject``; returns the redirect."""
    page = await client.get("/sign-in")
    assert page.status_code == 200
    answer = await client.post(
        "/sign-in/demo", data={"csrf": csrf_of(page.text), "subject": subject, "next": ""}
    )
    assert answer.status_code == 303, answer.text
    return answer


async def post_form(
    client: httpx.AsyncClient, page_path: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    """Load ``page_path`` and submit ``data`` to ``action`` with that page's csrf token."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf": csrf_of(page.text), **data})


@pytest.fixture
def api(
    auth: Callable[..., dict[str, str]],
) -> Callable[..., dict[str, str]]:
    """``api("RO1", "returning_officer")``: bearer headers for the JSON API."""
    return auth


RO = ("RO1", "returning_officer")


async def define_contest(
    client: httpx.AsyncClient, api: Callable[..., dict[str, str]], body: dict[str, Any]
) -> dict[str, Any]:
    """A returning officer defines and opens a contest through the API; returns it."""
    created = await client.post("/api/v1/contests/", json=body, headers=api(*RO))
    assert created.status_code == 201, created.text
    contest_id = created.json()["id"]
    opened = await client.post(f"/api/v1/contests/{contest_id}/open", headers=api(*RO))
    assert opened.status_code == 200, opened.text
    return dict(opened.json())


async def finish_contest(
    client: httpx.AsyncClient, api: Callable[..., dict[str, str]], contest_id: str
) -> None:
    """Close, count and publish a contest through the API."""
    for step in ("close", "count", "publish"):
        answer = await client.post(f"/api/v1/contests/{contest_id}/{step}", headers=api(*RO))
        assert answer.status_code == 200, answer.text


@pytest.fixture
async def site(app: Litestar, roll: None) -> AsyncIterator[str]:
    """The app served over HTTP for Chromium (skips, with the reason, when it is missing)."""
    skip_without_browser()
    async for url in serve(app):
        yield url
