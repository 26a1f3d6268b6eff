"""Liveness and readiness: ``/health`` (the process is up) and ``/ready`` (it can serve)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from sqlalchemy import text

from service.deps import DbEngine
from service.errors import problem_response
from service.migrate import current_revision, head_revision

__all__ = ["health", "ready"]


class Health(msgspec.Struct):
    status: str


class Ready(msgspec.Struct):
    status: str
    database: str
    migration: str | None


@get(
    "/health",
    exclude_from_auth=True,
    security=[{}],
    tags=["system"],
    summary="The process is up",
)
async def health() -> Health:
    """Answers 200 whenever the process can answer at all; it does not touch the database."""
    return Health(status="ok")


@get(
    "/ready",
    exclude_from_auth=True,
    security=[{}],
    tags=["system"],
    summary="The service can serve requests",
)
async def ready(request: Request[Any, Any, Any], db_engine: DbEngine) -> Response[Any]:
    """200 when the database answers and its schema is at the newest migration, else 503."""
    head = head_revision()
    try:
        async with db_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        current = await current_revision(db_engine)
    except Exception:
        return problem_response(
            request, 503, "the database cannot be reached", headers={"Retry-After": "5"}
        )
    if current != head:
        return problem_response(
            request,
            503,
            f"the database schema is at {current or 'nothing'}, the code needs {head}: "
            "run `plenary migrate`",
        )
    return Response(Ready(status="ready", database="ok", migration=current))
