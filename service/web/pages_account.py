"""Signing in and out, and the language switch.

An organisation whose sign-on mints Plenary tokens sends people back with a form POST to
``/sign-in/token`` carrying ``token`` and the ``state`` the sign-in page issued
(``service.signin.state``): the token is checked with the same ``TokenVerifier`` as the API,
and a server-side session begins (``service.web.session``). No GET starts a session. In the
demo (``PLENARY_DEMO_SIGN_IN=1``, set by ``serve --demo`` only) the sign-in page lists demo
members and officers to pick from. Sign-out deletes the session; "sign out everywhere" deletes
every session of the person. Follows issues 8 and 14.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.response import Redirect
from sqlalchemy import select

from roll.models import Branch, Member, Region
from service.auth import Identity, TokenVerifier
from service.deps import DbSession
from service.signin.oidc_settings import OidcSettings
from service.signin.state import clear_state, keep_state, new_state, state_matches
from service.web.i18n import LANGUAGES, translator
from service.web.params import NextPath, Text
from service.web.render import language_of, page, web_settings
from service.web.session import (
    LANGUAGE_COOKIE,
    end_session,
    end_sessions_everywhere,
    signed_in,
    start_session,
)

__all__ = ["ACCOUNT_HANDLERS", "home_for", "safe_next"]

# Demo officers (they are not on the roll; their tokens carry the roles).
DEMO_OFFICERS = (
    ("RO1", ("returning_officer",)),
    ("CHAIR1", ("chair",)),
    ("AUDIT1", ("auditor",)),
    ("ADMIN1", ("admin",)),
)
_DEMO_MEMBERS_SHOWN = 12

_log = logging.getLogger("plenary.sign_in")


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (never another site's address)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_for(identity: Identity) -> str:
    """Where someone lands after signing in: officers on their desk, members at home."""
    if identity.has("returning_officer"):
        return "/officer"
    if identity.has("auditor"):
        return "/audit"
    if identity.has("chair"):
        return "/chair"
    return "/home"


@get("/", name="web:index")
async def index(request: Request[Any, Any, Any]) -> Redirect:
    """The front door: home when signed in, else the sign-in page."""
    user = request.scope.get("user")
    return Redirect(home_for(user) if isinstance(user, Identity) else "/sign-in", status_code=303)


async def _demo_people(session: DbSession) -> list[dict[str, str]]:
    rows = await session.execute(
        select(Member.membership_number, Member.name, Branch.name, Region.name)
        .join(Branch, Member.branch_id == Branch.id)
        .join(Region, Branch.region_id == Region.id)
        .where(Member.status == "active")
        .order_by(Member.membership_number)
        .limit(_DEMO_MEMBERS_SHOWN)
    )
    return [
        {"subject": number, "name": name, "branch": branch, "region": region}
        for number, name, branch, region in rows
    ]


async def _sign_in_page(
    request: Request[Any, Any, Any],
    session: DbSession,
    *,
    next_path: str | None = None,
    error: str | None = None,
    status: int | None = None,
) -> Response[str]:
    web = web_settings(request)
    people = await _demo_people(session) if web.demo_sign_in else []
    state = new_state()
    sign_on_link = None
    if web.sign_on_url:
        joiner = "&" if "?" in web.sign_on_url else "?"
        sign_on_link = f"{web.sign_on_url}{joiner}{urlencode({'state': state})}"
    response = page(
        request,
        "sign_in.html",
        status=status or (401 if error else 200),
        title=translator(language_of(request))("Sign in"),
        sign_on_url=sign_on_link,
        oidc=request.app.state.get("oidc") is not None,
        oidc_name=OidcSettings.for_service(request.app.state.settings).name,
        people=people,
        officers=DEMO_OFFICERS,
        next=safe_next(next_path) or "",
        error=error,
    )
    keep_state(request, response, state)
    return response


@get("/sign-in", name="web:sign-in")
async def sign_in(
    request: Request[Any, Any, Any], db_session: DbSession, next: NextPath = None
) -> Response[str]:
    """How to sign in: the organisation's sign-on, or in the demo a person to pick."""
    return await _sign_in_page(request, db_session, next_path=next)


def _signed_in_redirect(target: str) -> Redirect:
    # The sign-on's token may be in this request's address: send it to no one else.
    return Redirect(
        target,
        status_code=303,
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


@post("/sign-in/demo", name="web:sign-in-demo")
async def sign_in_demo(request: Request[Any, Any, Any], db_session: DbSession) -> Response[Any]:
    """Demo only: sign in as the chosen demo member or officer."""
    web = web_settings(request)
    if not web.demo_sign_in:
        raise NotFoundException("demo sign-in is switched off")
    form = await request.form()
    subject = str(form.get("subject") or "").strip()
    roles = dict(DEMO_OFFICERS).get(subject, ("member",))
    if not subject:
        raise NotAuthorizedException("choose someone to sign in as")
    identity = Identity(subject=subject, roles=frozenset(roles))
    response = _signed_in_redirect(safe_next(str(form.get("next") or "")) or home_for(identity))
    await start_session(request, response, identity, method="demo")
    return response


@post("/sign-in/token", name="web:sign-in-token-post", opt={"csrf_exempt": True})
async def sign_in_token_post(
    request: Request[Any, Any, Any], db_session: DbSession
) -> Response[Any]:
    """The sign-on's form POST with ``token`` and the ``state`` this site's sign-in page gave
    it. It comes from the sign-on's site, which cannot know this site's forgery token, so the
    forgery check is the ``state`` (bound to this browser's cookie) instead."""
    form = await request.form()
    token = str(form.get("token") or "").strip()
    target = str(form.get("next") or "")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        if not state_matches(request, str(form.get("state") or "")):
            raise NotAuthorizedException(
                "this sign-in did not start from this site's sign-in page in this browser "
                "(its state is missing, used or wrong); start again from the sign-in page"
            )
        if not token:
            raise NotAuthorizedException("the sign-on sent no token")
        identity = verifier.verify(token)
    except NotAuthorizedException as exc:
        _log.warning("token sign-in refused: %s", exc.detail)
        return await _sign_in_page(request, db_session, next_path=target, error=exc.detail)
    response = _signed_in_redirect(safe_next(target) or home_for(identity))
    clear_state(response)
    await start_session(request, response, identity, method="token")
    return response


@post("/sign-out", name="web:sign-out")
async def sign_out(request: Request[Any, Any, Any]) -> Response[Any]:
    """End this browser's session (a copy of its cookie stops working too) and go back to
    the sign-in page."""
    response = Redirect("/sign-in", status_code=303)
    await end_session(request, response)
    return response


@post("/sign-out/everywhere", name="web:sign-out-everywhere")
async def sign_out_everywhere(request: Request[Any, Any, Any]) -> Response[Any]:
    """End every session of the signed-in person, on every device."""
    identity = signed_in(request)
    response = Redirect("/sign-in", status_code=303)
    ended = await end_sessions_everywhere(request, response, identity.subject)
    _log.info("signed out everywhere", extra={"sessions": ended})
    return response


@get("/language/{code:str}", name="web:language")
async def language(request: Request[Any, Any, Any], code: Text, next: NextPath = None) -> Redirect:
    """Switch the pages to ``code`` (``en`` or ``cy``) and go back to where the member was."""
    if code not in LANGUAGES:
        raise NotFoundException(f"no pages in {code!r}; choose one of {', '.join(LANGUAGES)}")
    response = Redirect(safe_next(next) or "/", status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=365 * 86400, path="/", httponly=True, samesite="lax"
    )
    return response


ACCOUNT_HANDLERS = [
    index,
    sign_in,
    sign_in_demo,
    sign_in_token_post,
    sign_out,
    sign_out_everywhere,
    language,
]
