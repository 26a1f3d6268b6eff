"""Real PostgreSQL for every test that needs a database; never a mock.

One server per test run: the one at ``TEST_DATABASE_URL`` (a URL whose user may create
databases), or else an embedded PostgreSQL under ``.plenary/test-pgdata``. Under pytest-xdist
the controlling process starts the embedded server once and hands its URL to the workers
through ``TEST_DATABASE_URL``, so no worker stops it under another's feet. Each worker
migrates a template database of its own to head once; each test that asks for
``database_url`` gets its own clone of it (``CREATE DATABASE … TEMPLATE``, a few tens of
milliseconds), dropped afterwards, so tests may commit, run concurrently inside the app and
never see each other's data.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from service.app import create_app
from service.auth import issue_token
from service.database import (
    create_database,
    drop_database,
    session_for,
    sqlalchemy_url,
    start_embedded,
    with_database,
)
from service.keys import ensure_private_key, load_private_key
from service.migrate import upgrade
from service.settings import Settings
from voting.sealing import use_ballot_keys

ROOT = Path(__file__).resolve().parents[1]
REFDATA = ROOT.parent / "shared" / "refdata"

_TEMPLATE = f"plenary_test_template_{os.getpid()}"


def without_rate_limits(settings: Settings) -> Settings:
    """``settings`` with every rate limit off. Rate limits are tested in tests/hardening;
    elsewhere they would turn the concurrency tests' expected 409s into 429s."""
    return settings.with_(
        cast_rate_per_member=0,
        cast_rate_per_address=0,
        sign_in_rate_per_member=0,
        sign_in_rate_per_address=0,
    )


_counter = itertools.count(1)

_EMBEDDED = ROOT / ".plenary" / "test-pgdata"


def pytest_configure(config: pytest.Config) -> None:
    """With workers (``-n``), start the embedded server here, in the controlling process, which
    outlives them all and stops it at exit; the workers inherit its URL."""
    is_worker = hasattr(config, "workerinput")
    with_workers = bool(getattr(config.option, "numprocesses", None))
    if with_workers and not is_worker and not os.environ.get("TEST_DATABASE_URL"):
        os.environ["TEST_DATABASE_URL"] = start_embedded(_EMBEDDED)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL to a PostgreSQL server on which the tests may create databases."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return sqlalchemy_url(configured)
    return start_embedded(_EMBEDDED)


@pytest.fixture(scope="session")
async def template_database(pg_admin_url: str) -> AsyncIterator[str]:
    """A database migrated to head, the template every test database is cloned from."""
    await drop_database(pg_admin_url, _TEMPLATE)
    await create_database(pg_admin_url, _TEMPLATE)
    await upgrade(with_database(pg_admin_url, _TEMPLATE))
    yield _TEMPLATE
    await drop_database(pg_admin_url, _TEMPLATE)


@pytest.fixture
async def database_url(pg_admin_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh database at the newest migration, for this test alone."""
    name = f"plenary_test_{os.getpid()}_{next(_counter)}"
    await create_database(pg_admin_url, name, template=template_database)
    yield with_database(pg_admin_url, name)
    await drop_database(pg_admin_url, name)


@pytest.fixture
async def db_session(database_url: str):
    """A session on this test's own database (commits are fine: the database is dropped)."""
    async with session_for(database_url) as session:
        yield session


@pytest.fixture(autouse=True)
def ballot_key_dir(tmp_path: Path) -> Path:
    """Where this test's process keeps ballot keys (``voting.sealing``), as the service's
    ``create_app`` sets it; an app made by the test points it at its own keys directory."""
    directory = tmp_path / "ballot-keys"
    use_ballot_keys(directory)
    return directory


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for an app on this test's database, with keys generated under ``tmp_path``."""
    return without_rate_limits(Settings(data_dir=tmp_path / "plenary", database_url=database_url))


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Litestar]:
    """The app with its lifespan entered and exited in one task of its own.

    Fixtures set up and tear down in different tasks, and the lifespan's cancel scopes must be
    left from the task that entered them, so a helper task holds the lifespan open.
    """
    started = asyncio.Event()
    stop = asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # raises the startup error
    try:
        yield app
    finally:
        stop.set()
        await task


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in this event loop, its lifespan entered."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://plenary.test") as c:
            yield c


@pytest.fixture
def token(settings: Settings) -> Callable[..., str]:
    """``token("M00001", "admin")``: a signed token for a subject with roles."""
    key = load_private_key(ensure_private_key(settings)[0])

    def make(subject: str, *roles: str, ttl: int | None = None) -> str:
        return issue_token(
            key, settings, subject=subject, roles=roles or ("member",), ttl_seconds=ttl
        )

    return make


@pytest.fixture
def auth(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """``auth("M00001", "admin")``: the Authorization header for such a token."""

    def make(subject: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(subject, *roles)}"}

    return make


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Name the random order's seed last, where a failing run's reader looks, so the same
    order can be replayed with ``--randomly-seed=N`` (``make test SEED=N``)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(f"random order: --randomly-seed={seed}")
