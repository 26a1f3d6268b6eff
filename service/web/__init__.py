"""Web pages for members, chairs, returning officers and auditors (docs/ARCHITECTURE.md).

Server-rendered HTML that works without JavaScript, with small hand-written scripts as
enhancements, in English and Welsh. The pages call the same domain functions as the JSON API.
They sign people in with a session cookie holding the sign-on's token (``session``), protect
every form against forgery (``csrf``), and translate through one layer (``i18n``).
:func:`web_router` is everything mounted at ``/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from service.app_router import AppRouter
from service.web.csrf import check_csrf
from service.web.errors import page_exception_handlers
from service.web.pages_account import ACCOUNT_HANDLERS
from service.web.pages_admin import ADMIN_HANDLERS
from service.web.pages_assembly import ASSEMBLY_HANDLERS
from service.web.pages_audit import AUDIT_HANDLERS
from service.web.pages_civic import CIVIC_HANDLERS
from service.web.pages_election_officer import ELECTION_OFFICER_HANDLERS
from service.web.pages_hall import HALL_HANDLERS
from service.web.pages_officer import OFFICER_HANDLERS
from service.web.pages_results import RESULT_HANDLERS
from service.web.pages_sign_in_email import EMAIL_SIGN_IN_HANDLERS
from service.web.pages_sign_in_oidc import OIDC_SIGN_IN_HANDLERS
from service.web.pages_vote import VOTE_HANDLERS
from service.web.render import load_places
from service.web.session import SessionMiddleware

__all__ = ["STATIC", "web_router"]

STATIC = Path(__file__).resolve().parent / "static"


async def _before_page(request: Request[Any, Any, Any]) -> None:
    """Forms carry their forgery token; pages learn the places' names (``render.places``)."""
    if request.method == "POST" and not request.route_handler.opt.get("csrf_exempt"):
        await check_csrf(request)
    if not request.url.path.startswith("/static/"):
        await load_places(request)


def web_router() -> AppRouter:
    """The pages and their static files, outside the API's bearer-token authentication."""
    static = create_static_files_router(
        path="/static",
        directories=[STATIC],
        name="web:static",
        cache_control=CacheControlHeader(max_age=3600, public=True),
        include_in_schema=False,
        opt={"exclude_from_auth": True},
    )
    return AppRouter(
        path="/",
        route_handlers=[
            *ACCOUNT_HANDLERS,
            *EMAIL_SIGN_IN_HANDLERS,
            *OIDC_SIGN_IN_HANDLERS,
            *VOTE_HANDLERS,
            *RESULT_HANDLERS,
            *OFFICER_HANDLERS,
            *ADMIN_HANDLERS,
            *AUDIT_HANDLERS,
            *ASSEMBLY_HANDLERS,
            *CIVIC_HANDLERS,
            *ELECTION_OFFICER_HANDLERS,
            *HALL_HANDLERS,
            static,
        ],
        middleware=[SessionMiddleware],
        opt={"exclude_from_auth": True},
        exception_handlers=page_exception_handlers,
        before_request=_before_page,
        include_in_schema=False,
    )
