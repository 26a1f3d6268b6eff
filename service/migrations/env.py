"""Alembic environment: runs on a connection handed in by ``service.migrate``.

``service.migrate`` opens an async connection and calls Alembic inside ``run_sync``, so the
same code path serves ``plenary migrate``, ``plenary serve`` and the tests.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from service.models import metadata

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=False,
        version_table="alembic_version",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `plenary migrate`, which supplies the connection")
run_on(connection)
