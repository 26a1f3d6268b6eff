"""Pages as HTML: one Jinja environment, the page context, and the headers every page carries.

Templates are autoescaped. Every page gets ``_`` (the translation layer for its language),
``lang``, ``user`` (the signed-in identity or None), ``csrf`` (the token its forms carry),
``path`` and the language switch. Responses are ``no-store`` (ballots and receipts must not sit
in a shared cache) and carry a Content-Security-Policy that allows this site's own scripts and
styles only, so no inline script can run. Cost: templates compile once per process.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from roll.places import Places, place_names
from service.auth import Identity
from service.web.csrf import csrf_token, ensure_anon_cookie, set_anon_cookie
from service.web.i18n import LANGUAGES, choose_language, translator
from service.web.session import LANGUAGE_COOKIE
from service.web.settings import WebSettings

__all__ = [
    "HTML",
    "SECURITY_HEADERS",
    "environment",
    "language_of",
    "load_places",
    "page",
    "web_settings",
]

HTML = "text/html; charset=utf-8"
TEMPLATES = Path(__file__).resolve().parent / "templates"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _when(value: dt.datetime | None, lang: str) -> str:
    """A moment as people read it, in UTC (the organisation's deadlines are set in UTC)."""
    if value is None:
        return ""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%d/%m/%Y %H:%M UTC")


@cache
def environment() -> Environment:
    """The one template environment (autoescaped; a missing variable is an error)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["urlquote"] = lambda s: quote(str(s), safe="")
    return env


def web_settings(request: Request[Any, Any, Any]) -> WebSettings:
    """The web settings for the app's service settings (a few dictionary look-ups)."""
    return WebSettings.for_service(request.app.state.settings)


async def load_places(request: Request[Any, Any, Any]) -> None:
    """Read the regions' and branches' names for this request's page (``places`` in every
    template, so scopes read "Scotland", not ``SCO``). Cost: two small queries."""
    engine: AsyncEngine = request.app.state[request.app.state.get("db_engine_key", "db_engine")]
    async with AsyncSession(engine) as session:
        request.state.places = await place_names(session)


def places_of(request: Request[Any, Any, Any]) -> Places:
    """The names :func:`load_places` read (none on a page outside the pages' router)."""
    places = request.state.get("places")
    return places if isinstance(places, Places) else Places()


def language_of(request: Request[Any, Any, Any]) -> str:
    """The page language for this request (``en`` or ``cy``)."""
    return choose_language(
        request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status: int = 200,
    title: str = "",
    **context: Any,
) -> Response[str]:
    """Render ``template`` for ``request`` with the shared page context."""
    lang = language_of(request)
    _ = translator(lang)
    anon = ensure_anon_cookie(request)
    user = request.scope.get("user")
    body = (
        environment()
        .get_template(template)
        .render(
            _=_,
            lang=lang,
            languages=LANGUAGES,
            user=user if isinstance(user, Identity) else None,
            csrf=csrf_token(request),
            path=request.url.path,
            title=title,
            when=lambda value: _when(value, lang),
            demo_sign_in=web_settings(request).demo_sign_in,
            places=places_of(request),
            **context,
        )
    )
    response = Response(body, status_code=status, media_type=HTML, headers=SECURITY_HEADERS)
    if anon is not None:
        set_anon_cookie(request, response, anon, web_settings(request))
    return response
