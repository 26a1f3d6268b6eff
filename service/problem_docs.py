"""The OpenAPI document says what the errors really look like: RFC 9457 problem+json.

Litestar documents a handler's validation failure as its own ``{status_code, detail, extra}``
JSON, but every error this service sends is ``application/problem+json`` (``service.errors``),
and operations can also answer 401, 403, 404, 409, 413, 415, 422, 429 or 503. Without these in
the document a client generated from it, or a contract test such as schemathesis, rejects the
answers the service actually gives. :func:`document_problems` adds to each operation the ones
it can give, read from its shape (:func:`statuses_of`), not the same ten everywhere. Follows
RFC 9457 §3 and OpenAPI 3.1 §4.8.16 (Responses Object). Cost: one pass over the routes when
the app is built.
"""

from __future__ import annotations

import re
from typing import Final

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from schemas.problems import Problem
from service.errors import PROBLEM_JSON
from service.limits import LARGE_BODY
from service.ratelimit import LIMITED_ROUTES

__all__ = ["PROBLEM_STATUSES", "document_problems", "statuses_of"]

_PUBLIC_PATHS: Final = frozenset({"/health", "/ready"})

PROBLEM_STATUSES: Final[dict[int, str]] = {
    400: "The request is malformed: a parameter or the body does not fit the schema.",
    401: "No valid bearer token: sign in and send `Authorization: Bearer <token>`.",
    403: "The caller's roles, grants or scope do not allow this.",
    404: "There is no such thing that the caller can see.",
    409: "Not possible in the current state (a deadline passed, already done, ...).",
    413: "The request body is over its limit (`PLENARY_MAX_BODY_BYTES`).",
    415: "The body is not in a media type this operation accepts.",
    422: "The request is well formed but the rules refuse it.",
    429: "Too many requests like this one; `Retry-After` says when to try again.",
    503: "The database cannot be reached just now; nothing was changed, try again shortly.",
}


_FRAMEWORK = frozenset({"self", "request", "socket", "state", "scope", "headers", "cookies"})
_EVERYWHERE: Final = (503,)


def _path_template(path: str) -> str:
    """``/contests/{contest_id:uuid}`` → ``/contests/{contest_id}``, as the rate limits name it."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


def statuses_of(route: HTTPRoute, handler: HTTPRouteHandler) -> list[int]:
    """The refusals ``handler`` can really answer with, read from its shape: 400 when it takes a
    parameter or a body, 401 and 403 when it needs a token, 404 when its path names a
    thing, 409 when it names a thing or changes one, 422 when it changes one, 413 and 415 when
    it reads a body, 429 when a rate limit covers it; 503 (database away) everywhere."""
    public = bool(handler.opt.get("exclude_from_auth")) or route.path in _PUBLIC_PATHS
    changes = not handler.http_methods <= {"GET", "HEAD"}
    inputs = set(handler.parsed_fn_signature.parameters) - _FRAMEWORK
    inputs -= set(handler.resolve_dependencies()) | set(route.path_parameters)
    # a parsed body (``data``), or a raw one the handler reads itself (the roll's CSV)
    body = "data" in inputs or bool(handler.opt.get(LARGE_BODY))
    limited = any(
        (method, _path_template(route.path)) in LIMITED_ROUTES for method in handler.http_methods
    )
    wanted = {
        400: bool(inputs) or bool(route.path_parameters) or body,
        401: not public,
        403: not public,
        404: bool(route.path_parameters),
        409: bool(route.path_parameters) or changes,
        413: body,
        415: body,
        422: changes or bool(inputs),
        429: limited,
    }
    return sorted({status for status, yes in wanted.items() if yes} | set(_EVERYWHERE))


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=description,
        generate_examples=False,
    )


def document_problems(app: Litestar) -> None:
    """Declare, as problem+json, the statuses :func:`statuses_of` finds for each operation of
    ``app`` that is in the schema (keeping any response a handler declares itself)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.include_in_schema is False:
                continue
            declared = dict(handler.responses or {})
            problems = {
                status: _spec(PROBLEM_STATUSES[status]) for status in statuses_of(route, handler)
            }
            handler.responses = {**problems, **declared}
