"""Names for what handlers receive by dependency injection."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

__all__ = ["DbEngine", "DbSession"]

DbSession: TypeAlias = NamedDependency[AsyncSession]
"""The request's database session (``db_session``); nothing is committed unless a handler does."""

DbEngine: TypeAlias = NamedDependency[AsyncEngine]
"""The app's engine (``db_engine``)."""
