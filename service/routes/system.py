"""Liveness and readiness: ``/health`` (the process is up) and ``/ready`` (it can serve)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get

from service.deps import DbEngine
from service.errors import problem_response
from service.migrate import head_revision, schema_standing

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
    """200 when the database answers and its schema is one this code serves: at its newest
    migration, or past it by a newer release's expand-only migrations (a rolling deploy keeps
    old processes ready); else 503. Cost: two or three small queries, no file read."""
    try:
        schema = await schema_standing(db_engine)
    except Exception:
        return problem_response(
            request, 503, "the database cannot be reached", headers={"Retry-After": "5"}
        )
    if not schema.servable:
        return problem_response(
            request,
            503,
            f"the database schema is at {schema.current or 'nothing'}, the code needs "
            f"{head_revision()}: run `plenary migrate`"
            + (
                " (that revision is not one this code knows)"
                if schema.standing == "foreign"
                else ""
            ),
        )
    return Response(Ready(status="ready", database="ok", migration=schema.current))
