"""Errors on pages are pages: the same messages as the API's problem+json, in HTML.

A page that needs someone signed in redirects to the sign-in page (and back afterwards); any
other refusal shows the message a person can act on, with the status the API would give.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError

from schemas.problems import DomainError
from service.web.i18n import translator
from service.web.render import language_of, page

__all__ = ["page_exception_handlers"]


def _error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    _ = translator(language_of(request))
    titles = {
        400: _("That did not work"),
        403: _("You cannot do that"),
        404: _("Not found"),
        409: _("Not possible just now"),
        422: _("That did not work"),
        503: _("Try again shortly"),
    }
    return page(
        request,
        "error.html",
        status=status,
        title=titles.get(status, _("Something went wrong")),
        detail=detail,
        status_code=status,
    )


def _sign_in(request: Request[Any, Any, Any], exc: NotAuthorizedException) -> Response[Any]:
    if request.method == "GET":
        return Redirect(f"/sign-in?next={quote(request.url.path, safe='/')}", status_code=303)
    return _error_page(request, 401, exc.detail)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return _error_page(request, exc.status_code, exc.detail)


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return _error_page(request, exc.status, exc.detail)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # Logged once, by ``service.errors.log_exception``, with where it happened.
    _ = translator(language_of(request))
    return _error_page(
        request, 500, _("Something went wrong on our side; nothing you sent was at fault.")
    )


def _unreadable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    _ = translator(language_of(request))
    return _error_page(
        request,
        400,
        _(
            "What you sent could not be read or stored (nested too deeply, a number out of "
            "range, or a character such as NUL); nothing was changed."
        ),
    )


page_exception_handlers: ExceptionHandlersMap = {
    NotAuthorizedException: _sign_in,
    HTTPException: _http,
    DomainError: _domain,
    RecursionError: _unreadable,
    DataError: _unreadable,
    Exception: _unexpected,
}
