"""Every error as RFC 9457 problem+json, with a message a person can act on.

Validation failures keep Litestar's per-field detail in ``errors``; a database that cannot be
reached is a 503 (the client may retry); anything unexpected is a 500 that names no internals.
"""

from __future__ import annotations

import logging
import sys
import traceback
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError

from schemas.problems import DomainError, Problem

__all__ = ["PROBLEM_JSON", "exception_handlers", "log_exception", "problem_response"]

PROBLEM_JSON = "application/problem+json"

_log = logging.getLogger("plenary.errors")


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """A problem+json response for ``request``."""
    problem = Problem(
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return Response(
        content=msgspec.json.encode(problem),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    headers = dict(exc.headers or {})
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="plenary"')
    errors = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [dict(e) if isinstance(e, dict) else {"message": str(e)} for e in exc.extra]
    detail = exc.detail
    if isinstance(exc, ValidationException) and errors:
        first = errors[0]
        where = first.get("key")
        detail = f"{exc.detail}: {first.get('message', '')}" + (f" (at {where})" if where else "")
    return problem_response(request, exc.status_code, detail, errors=errors, headers=headers)


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    return problem_response(request, exc.status, exc.detail, title=exc.title, errors=exc.errors)


def _database(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    _log.warning("database unavailable: %s", type(exc).__name__)
    return problem_response(
        request,
        503,
        "the database cannot be reached just now; nothing was changed, try again shortly",
        headers={"Retry-After": "5"},
    )


# SQLSTATEs that mean the server is not there to serve, not that the request was wrong:
# class 08 (connection exception), 57P01-57P03 (shutting down, crashed, starting up or shutting
# down: "cannot connect now"), 53300 (too many connections) and 25006 (a read-only transaction
# asked to write: the database named is a standby, as during a failover before promotion). The
# asyncpg dialect raises these as a plain DBAPIError, not an OperationalError, when they happen
# while connecting.
_UNAVAILABLE = ("08", "57P0", "53300", "25006")


def _database_unavailable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return exc.connection_invalidated or sqlstate.startswith(_UNAVAILABLE)


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[bytes]:
    return problem_response(request, 400, TOO_DEEP)


def _unstorable(request: Request[Any, Any, Any], exc: DataError) -> Response[bytes]:
    return problem_response(request, 400, UNSTORABLE)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, DBAPIError) and _database_unavailable(exc):
        return _database(request, exc)
    # Logged once, by ``log_exception``, with where it happened.
    return problem_response(
        request, 500, "something went wrong on our side; nothing you sent was at fault"
    )


TOO_DEEP = "the request's JSON is nested too deeply to read; nothing was changed"
UNSTORABLE = (
    "a value you sent cannot be stored (a number out of range, or a character such as NUL); "
    "nothing was changed"
)


def refusal_status(exc: BaseException) -> int | None:
    """The 4xx (or 5xx) status an exception is answered with, when it is a refusal rather than
    a failure: HTTP and domain errors, JSON too deep to decode, a value the database's types
    cannot hold (PostgreSQL's data exceptions, class 22: the statement changed nothing)."""
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, DomainError):
        return exc.status
    if isinstance(exc, RecursionError | DataError):
        return 400
    return None


# Refusals that may be someone trying what they may not: worth an operator's glance.
_WATCHED = frozenset({401, 403, 429})
_UNAVAILABLE_TYPES = (OperationalError, InterfaceError, ConnectionError, OSError)


def log_exception(logger: Any, scope: Any, tb: list[str]) -> None:
    """Litestar's hook for every exception a handler raised: one line, never the request's
    content. A refusal (4xx) is INFO, or WARNING when it may be someone probing (401, 403,
    429), naming its status and the problem's type. Anything unexpected is ERROR with its type
    and the frames it passed through, without the exception's message or the traceback's text
    (either can quote what was sent). ``tb`` (Litestar's formatted traceback) is not used."""
    exc = sys.exc_info()[1]
    if exc is None:
        return
    where = f"{scope.get('method', scope.get('type', ''))} {scope.get('path', '')}"
    status = refusal_status(exc)
    if status is not None:
        level = logging.WARNING if status in _WATCHED or status >= 500 else logging.INFO
        logger.log(level, f"refused {status} {type(exc).__name__} on {where}")
        return
    if isinstance(exc, _UNAVAILABLE_TYPES) or (
        isinstance(exc, DBAPIError) and _database_unavailable(exc)
    ):
        return  # ``_database`` says so, once, as a warning
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    path = " < ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}" for f in frames[::-1])
    logger.error(f"unhandled {type(exc).__name__} on {where} at {path}")


exception_handlers: ExceptionHandlersMap = {
    HTTPException: _http,
    DomainError: _domain,
    RecursionError: _too_deep,
    DataError: _unstorable,
    OperationalError: _database,
    InterfaceError: _database,
    ConnectionError: _database,
    OSError: _database,
    Exception: _unexpected,
}
