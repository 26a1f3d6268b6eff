"""The OpenAPI document says what the errors really look like: RFC 9457 problem+json.

Litestar documents a handler's validation failure as its own ``{status_code, detail, extra}``
JSON, but every error this service sends is ``application/problem+json`` (``service.errors``),
and most operations can also answer 401, 403, 404, 409, 413, 415, 422, 429 or 503. Without these
in the document a client generated from it, or a contract test such as schemathesis, rejects
the answers the service actually gives. :func:`document_problems` adds them to every operation
in the schema (leaving any response a handler declares itself). Follows RFC 9457 §3 and
OpenAPI 3.1 §4.8.16 (Responses Object). Cost: one pass over the routes when the app is built.
"""

from __future__ import annotations

from typing import Final

from litestar import Litestar
from litestar.openapi.datastructures import ResponseSpec

from schemas.problems import Problem
from service.errors import PROBLEM_JSON

__all__ = ["PROBLEM_STATUSES", "document_problems"]

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


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=description,
        generate_examples=False,
    )


def document_problems(app: Litestar) -> None:
    """Declare every status in :data:`PROBLEM_STATUSES` as problem+json on every operation
    of ``app`` that is in the schema (401 only where a token is needed)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.include_in_schema is False:
                continue
            public = bool(handler.opt.get("exclude_from_auth"))
            declared = dict(handler.responses or {})
            problems = {
                status: _spec(description)
                for status, description in PROBLEM_STATUSES.items()
                if not (public and status == 401)
            }
            handler.responses = {**problems, **declared}
