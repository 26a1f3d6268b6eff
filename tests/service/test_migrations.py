"""Migrations: an empty database upgraded to head has exactly the models' schema."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from service.database import create_database, drop_database, with_database
from service.migrate import current_revision, head_revision, upgrade
from service.models import metadata


async def test_upgrading_an_empty_database_leaves_no_pending_autogenerate_diff(
    pg_admin_url: str,
) -> None:
    name = f"plenary_test_migrations_empty_{os.getpid()}"
    await drop_database(pg_admin_url, name)
    await create_database(pg_admin_url, name)
    url = with_database(pg_admin_url, name)
    try:
        assert await upgrade(url) == head_revision()
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}),
                        metadata,  # type: ignore[arg-type]
                    )
                )
            assert diff == []
            assert await current_revision(engine) == head_revision()
        finally:
            await engine.dispose()
        # Running it again changes nothing.
        assert await upgrade(url) == head_revision()
    finally:
        await drop_database(pg_admin_url, name)
