"""Signing in by email: ask for a link, open it, or type its code (issue 14).

``POST /sign-in/email`` takes an email address or membership number and always answers with
the same page ("check your email"), whether or not anyone matched. The mail's link opens
``GET /sign-in/code?code=…``, a page with one button: a GET never signs anyone in, so a mail
scanner that follows links uses nothing up. ``POST /sign-in/code`` uses the code (typed, or
from the link) and starts a session. Requests for mail are limited per client address and per
address or number asked for, each with ``Retry-After``; wrong codes are limited per client
address only (``service.ratelimit``), never per member, so no one can lock a member out.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncEngine

from service.auth import Identity
from service.deps import DbSession
from service.proxies import TrustedProxies
from service.signin.codes import normalise_target
from service.signin.email_flow import request_sign_in_mail, use_code
from service.signin.settings import SignInSettings
from service.web.i18n import translator
from service.web.pages_account import _signed_in_redirect, home_for, safe_next
from service.web.render import language_of, page
from service.web.session import clock_of, start_session
from service.web.sign_in_mail import compose_sign_in_mail

__all__ = ["EMAIL_SIGN_IN_HANDLERS"]

_log = logging.getLogger("plenary.sign_in")


def _base_url(request: Request[Any, Any, Any], settings: SignInSettings) -> str:
    if settings.public_url:
        return settings.public_url
    return str(request.base_url).rstrip("/")


async def _over_limit(request: Request[Any, Any, Any], typed: str) -> int | None:
    """Seconds to wait when this client address, or what it asked for, has asked too often
    in the rate-limit window (``PLENARY_RATE_WINDOW``, a minute by default)."""
    from service.keys import rate_limit_secret
    from service.ratelimit import count_hits  # it imports the pages' session module

    settings = request.app.state.settings
    sign_in = SignInSettings.for_service(settings)
    address = TrustedProxies.parse(settings.trusted_proxies).client_address(request.scope)
    target = normalise_target(typed)
    counters = []
    if sign_in.requests_per_address:
        counters.append((f"email_link:address:{address}", sign_in.requests_per_address))
    if target is not None and sign_in.requests_per_target:
        counters.append((f"email_link:target:{target[1]}", sign_in.requests_per_target))
    if not counters:
        return None
    engine: AsyncEngine = request.app.state[request.app.state.get("db_engine_key", "db_engine")]
    standings = await count_hits(
        engine, counters, settings.rate_window_seconds, secret=rate_limit_secret(settings)
    )
    exceeded = [s.reset for s in standings if s.exceeded]
    return max(exceeded) if exceeded else None


@post("/sign-in/email", name="web:sign-in-email")
async def ask_for_link(request: Request[Any, Any, Any], db_session: DbSession) -> Response[str]:
    """Mail a sign-in link and code to the address on the roll (or in a grant)."""
    form = await request.form()
    typed = str(form.get("who") or "")
    lang = language_of(request)
    _ = translator(lang)
    if not typed.strip():
        return page(
            request,
            "sign_in_code.html",
            status=422,
            title=_("Sign in"),
            sent=False,
            code="",
            error=_("Enter your email address or membership number."),
        )
    wait = await _over_limit(request, typed)
    if wait is not None:
        _log.warning("sign-in mail request refused: too many requests (%s s)", wait)
        response = page(
            request,
            "error.html",
            status=429,
            title=_("Try again shortly"),
            detail=_("Too many sign-in requests. Try again in {seconds} seconds.", seconds=wait),
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    sign_in = SignInSettings.for_service(request.app.state.settings)
    base = _base_url(request, sign_in)

    def compose(code: str) -> tuple[str, str]:
        link = f"{base}/sign-in/code?{urlencode({'code': code})}"
        return compose_sign_in_mail(lang, code, link, sign_in.link_ttl_seconds // 60)

    queued = await request_sign_in_mail(
        db_session, typed, compose=compose, now=clock_of(request.app.state)(), settings=sign_in
    )
    await db_session.commit()
    outbox = request.app.state.get("mail_outbox")
    if queued and outbox is not None:
        outbox.wake()
    return page(
        request, "sign_in_code.html", title=_("Check your email"), sent=True, code="", error=None
    )


@get("/sign-in/code", name="web:sign-in-code")
async def code_page(
    request: Request[Any, Any, Any],
    code: Annotated[str, QueryParameter(required=False, description="the code from the mail")] = "",
) -> Response[str]:
    """The mail's link: the code filled in, and one button to sign in with it."""
    _ = translator(language_of(request))
    return page(
        request, "sign_in_code.html", title=_("Sign in"), sent=False, code=code[:40], error=None
    )


@post("/sign-in/code", name="web:sign-in-code-post")
async def sign_in_with_code(
    request: Request[Any, Any, Any], db_session: DbSession
) -> Response[Any]:
    """Use the code up and start a session; a wrong, used or expired code changes nothing."""
    form = await request.form()
    typed = str(form.get("code") or "")
    redeemed = await use_code(db_session, typed, now=clock_of(request.app.state)())
    if redeemed is None:
        _log.warning("sign-in code refused: unknown, used or expired")
        _ = translator(language_of(request))
        return page(
            request,
            "sign_in_code.html",
            status=401,
            title=_("Sign in"),
            sent=False,
            code="",
            error=_(
                "That code did not work: it may be mistyped, used already, or older than "
                "its time. Ask for a new one."
            ),
        )
    await db_session.commit()
    identity = Identity(subject=redeemed.subject, roles=redeemed.roles)
    response = _signed_in_redirect(safe_next(str(form.get("next") or "")) or home_for(identity))
    await start_session(request, response, identity, method="email")
    return response


EMAIL_SIGN_IN_HANDLERS = [ask_for_link, code_page, sign_in_with_code]
