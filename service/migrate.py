"""Applying and checking migrations (Alembic, on the advanced-alchemy metadata).

Migrations run on one async connection handed to Alembic through ``run_sync``, inside a
transaction, under an advisory lock, so several service processes starting together apply
them once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["alembic_config", "current_revision", "head_revision", "make_revision", "upgrade"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = 0x706C656E_6D696772


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at ``service/migrations``, optionally bound to a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("version_locations", str(_MIGRATIONS / "versions"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def _upgrade(connection: Connection, target: str) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    command.upgrade(alembic_config(connection), target)


async def upgrade(url: str, target: str = "head") -> str | None:
    """Bring the database at ``url`` to ``target``; returns the revision it is at afterwards."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, target)
        return await current_revision(engine)
    finally:
        await engine.dispose()


def _revision(connection: Connection, message: str) -> None:
    command.revision(alembic_config(connection), message=message, autogenerate=True)


async def make_revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models' difference to the database at ``url``."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_revision, message)
    finally:
        await engine.dispose()
