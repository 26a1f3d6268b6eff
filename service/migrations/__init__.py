"""Alembic migrations for every table the service owns (see ``service.migrate``)."""
