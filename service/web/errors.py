"""Errors on pages are pages: the same messages as the API's problem+json, in HTML.

A page that needs someone signed in redirects to the sign-in page (and back afterwards); any
other refusal shows the message a person can act on, with the status the API would give, in
the reader's language, and a way back. "Not found" never names what was looked for (an id means
nothing to a member): it says so in one plain sentence. A browser that asks for a path no route
matches (or with a method none takes) gets the same page, through :func:`app_exception_handlers`;
API clients (``/api/``, or anything that does not ask for HTML) keep problem+json.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DataError

from schemas.problems import DomainError
from service.web.i18n import translator
from service.web.render import language_of, page

__all__ = ["app_exception_handlers", "page_exception_handlers", "wants_page"]

_NOT_PAGES = ("/api/", "/health", "/ready", "/metrics", "/schema/openapi")


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """Whether a refusal of ``request`` should be a page: a browser (it accepts HTML) asking
    for something outside the JSON API and the system routes."""
    path = request.url.path
    if path.startswith(_NOT_PAGES):
        return False
    return "text/html" in request.headers.get("accept", "")


def _way_back(request: Request[Any, Any, Any]) -> str | None:
    """The page the reader came from on this site (its path), if the browser said."""
    referer = urlsplit(request.headers.get("referer", ""))
    here = urlsplit(str(request.url))
    if referer.netloc != here.netloc or not referer.path.startswith("/"):
        return None
    if referer.path == here.path:
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    _ = translator(language_of(request))
    if status in (404, 405):
        detail = _(
            "There is no such page, or it is not one you can see. The link may be old, or "
            "you may need to sign in as someone else."
        )
    else:
        detail = _(detail)
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
        back=_way_back(request),
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


def app_exception_handlers(problems: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """The app's handlers: ``problems`` (problem+json) for API clients, and for a browser
    (:func:`wants_page`) the page this module gives, so that a path no route matches is a page
    too. The pages' own router uses :data:`page_exception_handlers` directly."""

    def either(kind: type[Exception] | int) -> Any:
        def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            answer: Response[Any] = problems[kind](request, exc)
            if not wants_page(request):
                return answer
            handler = page_exception_handlers.get(kind)
            if handler is not None and kind is not Exception:
                return handler(request, exc)
            if answer.status_code == 503:
                _ = translator(language_of(request))
                return _error_page(
                    request,
                    503,
                    _("The service cannot reach its records just now; nothing was changed."),
                )
            return _unexpected(request, exc)

        return handle

    return {kind: either(kind) for kind in problems}
