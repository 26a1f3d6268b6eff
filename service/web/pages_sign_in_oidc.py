"""Signing in with the organisation's OpenID Connect provider (issue 14).

``GET /sign-in/oidc`` sends the browser to the provider with a fresh ``state``, ``nonce`` and
PKCE verifier, kept in a short-lived HttpOnly cookie (``plenary_oidc``, path
``/sign-in/oidc``, SameSite=Lax so it comes back on the provider's redirect). The provider
redirects to ``GET /sign-in/oidc/callback?code=…&state=…``: the ``state`` must equal this
browser's cookie (which another site can neither read nor set, so no one can sign a victim in
as themselves), the code is exchanged once with the verifier, and the ID token must be signed
by the provider's key and carry the cookie's nonce. Only then does a new session begin (a new
id, as every sign-in). The callback is a GET because the provider's redirect is one; it is the
only GET that starts a session, and only with all three checks passed. Every refusal is the
sign-in page with a sentence in the reader's language, and one log line naming the reason.
"""

from __future__ import annotations

import base64
import hmac
import logging
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from service.auth import Identity
from service.deps import DbSession
from service.signin.oidc_client import OidcClient, OidcRefused, PendingSignIn, Reason
from service.signin.oidc_members import addressee_for_claims, claims_wanted
from service.signin.settings import SignInSettings
from service.web.i18n import N_, translator
from service.web.pages_account import _sign_in_page, _signed_in_redirect, home_for, safe_next
from service.web.pages_sign_in_email import _base_url
from service.web.params import NextPath
from service.web.render import language_of
from service.web.session import clock_of, cookie_is_secure, start_session
from service.web.settings import WebSettings

__all__ = ["OIDC_COOKIE", "OIDC_SIGN_IN_HANDLERS"]

OIDC_COOKIE = "plenary_oidc"
_COOKIE_PATH = "/sign-in/oidc"
_COOKIE_SECONDS = 600

_log = logging.getLogger("plenary.sign_in")

_REFUSALS: dict[Reason, tuple[int, str]] = {
    "unavailable": (
        503,
        N_(
            "The organisation's sign-in service cannot be reached just now. Try again in a "
            "few minutes, or ask for an email link below."
        ),
    ),
    "state": (
        400,
        N_(
            "This sign-in did not start from this site in this browser, or it has been used "
            "already. Start again from this page."
        ),
    ),
    "provider_said_no": (401, N_("The organisation's sign-in service did not sign you in.")),
    "code": (
        401,
        N_(
            "The organisation's sign-in service refused the sign-in: it may have been used "
            "already or be too old. Start again from this page."
        ),
    ),
    "token_expired": (
        401,
        N_("The sign-in from the organisation's service has expired. Start again from this page."),
    ),
    "token_signature": (
        401,
        N_(
            "The answer from the organisation's sign-in service is not signed with its key, "
            "so it cannot be trusted. Start again; if it happens again, tell the organisation."
        ),
    ),
    "token_invalid": (
        401,
        N_(
            "The answer from the organisation's sign-in service was not meant for this site. "
            "Start again; if it happens again, tell the organisation."
        ),
    ),
    "nonce": (
        401,
        N_("That answer from the sign-in service belongs to another sign-in. Start again."),
    ),
    "no_member_claim": (
        403,
        N_(
            "Your account with the organisation does not give a membership number, so we "
            "cannot tell which member you are. Ask the membership office, or sign in by email."
        ),
    ),
    "not_on_roll": (
        403,
        N_(
            "Your membership number is not on the roll of active members. Ask the membership "
            "office to check your membership."
        ),
    ),
}


def _oidc(request: Request[Any, Any, Any]) -> OidcClient:
    client: OidcClient | None = request.app.state.get("oidc")
    if client is None:
        raise NotFoundException("this organisation has no OpenID Connect provider set up")
    return client


def _redirect_uri(request: Request[Any, Any, Any]) -> str:
    sign_in = SignInSettings.for_service(request.app.state.settings)
    return f"{_base_url(request, sign_in)}/sign-in/oidc/callback"


def _pack(pending: PendingSignIn, next_path: str) -> str:
    target = base64.urlsafe_b64encode(next_path.encode()).decode().rstrip("=")
    return ".".join((pending.state, pending.nonce, pending.code_verifier, target))


def _unpack(value: str | None) -> tuple[PendingSignIn, str] | None:
    parts = (value or "").split(".")
    if len(parts) != 4 or not all(parts[:3]):
        return None
    try:
        target = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)).decode()
    except ValueError:
        return None
    return PendingSignIn(state=parts[0], nonce=parts[1], code_verifier=parts[2]), target


async def _refused(
    request: Request[Any, Any, Any], db_session: DbSession, refusal: OidcRefused, next_path: str
) -> Response[Any]:
    status, message = _REFUSALS[refusal.reason]
    level = logging.WARNING if status != 503 else logging.ERROR
    detail = f" ({refusal.detail})" if refusal.detail else ""
    _log.log(level, "OpenID Connect sign-in refused: %s%s", refusal.reason, detail)
    _ = translator(language_of(request))
    response = await _sign_in_page(
        request, db_session, next_path=next_path, error=_(message), status=status
    )
    response.delete_cookie(OIDC_COOKIE, path=_COOKIE_PATH)
    return response


@get("/sign-in/oidc", name="web:sign-in-oidc")
async def start_oidc_sign_in(
    request: Request[Any, Any, Any], db_session: DbSession, next: NextPath = None
) -> Response[Any]:
    """Go to the organisation's provider to sign in."""
    client = _oidc(request)
    pending = PendingSignIn.new()
    target = safe_next(next) or ""
    try:
        url = await client.authorization_url(pending, _redirect_uri(request))
    except OidcRefused as refusal:
        return await _refused(request, db_session, refusal, target)
    response = Redirect(url, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        OIDC_COOKIE,
        _pack(pending, target),
        max_age=_COOKIE_SECONDS,
        path=_COOKIE_PATH,
        secure=cookie_is_secure(request, WebSettings.for_service(request.app.state.settings)),
        httponly=True,
        samesite="lax",
    )
    return response


@get("/sign-in/oidc/callback", name="web:sign-in-oidc-callback")
async def finish_oidc_sign_in(
    request: Request[Any, Any, Any], db_session: DbSession
) -> Response[Any]:
    """The provider's redirect back: check everything, then start a session."""
    client = _oidc(request)
    held = _unpack(request.cookies.get(OIDC_COOKIE))
    sent_state = request.query_params.get("state") or ""
    target = held[1] if held else ""
    try:
        if held is None or not _same(held[0].state, sent_state):
            raise OidcRefused("state")
        pending = held[0]
        if request.query_params.get("error"):
            raise OidcRefused("provider_said_no", str(request.query_params.get("error"))[:60])
        code = request.query_params.get("code") or ""
        if not code:
            raise OidcRefused("code", "no code")
        tokens = await client.exchange(code, pending, _redirect_uri(request))
        claims = await client.check_id_token(
            tokens.id_token, nonce=pending.nonce, now=clock_of(request.app.state)()
        )
        member_claim = client.settings.member_claim
        claims = await client.with_userinfo(
            claims, tokens.access_token, claims_wanted(member_claim)
        )
        who = await addressee_for_claims(db_session, claims, member_claim)
    except OidcRefused as refusal:
        return await _refused(request, db_session, refusal, target)
    identity = Identity(subject=who.subject, roles=frozenset(who.roles))
    response = _signed_in_redirect(safe_next(target) or home_for(identity))
    response.delete_cookie(OIDC_COOKIE, path=_COOKIE_PATH)
    await start_session(request, response, identity, method="oidc")
    return response


def _same(held: str, sent: str) -> bool:
    return bool(held and sent) and hmac.compare_digest(held.encode(), sent.encode())


OIDC_SIGN_IN_HANDLERS = [start_oidc_sign_in, finish_oidc_sign_in]
