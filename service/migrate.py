"""Applying and checking migrations (Alembic, on the advanced-alchemy metadata).

Migrations run on one async connection handed to Alembic through ``run_sync``, inside a
transaction, under an advisory lock, so several service processes starting together apply
them once.

Rolling deploys: every migration is an *expand* step that the previous release's code still
works with (add tables, nullable or defaulted columns, indexes), and removing what old code
used (*contract*) waits for a later release (docs/OPERATIONS.md, "Rolling deploys"). So a
process stays ready when a newer release has migrated past it. To know "past it" without the
newer migration files, :func:`upgrade` records every revision it has brought the database
through in ``schema_lineage``; :func:`schema_standing` reads it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advanced_alchemy.base import orm_registry
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, String, Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "SchemaStanding",
    "alembic_config",
    "code_lineage",
    "current_revision",
    "head_revision",
    "make_revision",
    "schema_lineage",
    "schema_standing",
    "upgrade",
]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = 0x706C656E_6D696772

schema_lineage = Table(
    "schema_lineage",
    orm_registry.metadata,
    Column("revision", String(32), primary_key=True),
    comment="every migration the database has been brought through (for rolling deploys)",
)


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


@functools.cache
def head_revision() -> str | None:
    """The newest migration in the code. Reads every migration file once per process (about
    0.1 s), never again: the code does not change under a running process."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@functools.cache
def code_lineage() -> frozenset[str]:
    """Every migration this code knows, from the first to :func:`head_revision` (read once)."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


@dataclass(frozen=True, slots=True)
class SchemaStanding:
    """Where the database's schema stands for this code: ``at_head``, ``newer`` (a later
    release migrated past this code's head: compatible by the expand/contract rule),
    ``behind`` (run ``plenary migrate``) or ``foreign`` (neither: an unknown revision)."""

    current: str | None
    standing: str

    @property
    def servable(self) -> bool:
        """Whether this code can serve on the schema."""
        return self.standing in ("at_head", "newer")


async def schema_standing(engine: AsyncEngine) -> SchemaStanding:
    """How the database's schema stands for this code. Cost: two small queries, three when a
    newer release has migrated; no migration file is read (the readiness probe calls it)."""
    head = head_revision()
    async with engine.connect() as conn:
        tables = (
            await conn.execute(
                text(
                    "SELECT to_regclass('alembic_version') IS NOT NULL, "
                    "to_regclass('schema_lineage') IS NOT NULL"
                )
            )
        ).one()
        current = (
            await conn.scalar(text("SELECT version_num FROM alembic_version LIMIT 1"))
            if tables[0]
            else None
        )
        if current == head:
            return SchemaStanding(current, "at_head")
        if current is None or current in code_lineage():
            return SchemaStanding(current, "behind")
        passed = tables[1] and await conn.scalar(
            text("SELECT EXISTS (SELECT 1 FROM schema_lineage WHERE revision = :head)"),
            {"head": head},
        )
    return SchemaStanding(current, "newer" if passed else "foreign")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def _upgrade(connection: Connection, target: str) -> None:
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    command.upgrade(alembic_config(connection), target)
    reached = _current(connection)
    if reached is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    passed = [rev.revision for rev in script.walk_revisions(base="base", head=reached)]
    connection.execute(
        text("INSERT INTO schema_lineage (revision) VALUES (:r) ON CONFLICT DO NOTHING"),
        [{"r": r} for r in passed],
    )


async def upgrade(
    url: str, target: str = "head", *, engine_options: dict[str, Any] | None = None
) -> str | None:
    """Bring the database at ``url`` to ``target``; returns the revision it is at afterwards.
    ``engine_options``: the service's (``service.database.engine_options``), behind PgBouncer."""
    engine = create_async_engine(url, **(engine_options or {}))
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
