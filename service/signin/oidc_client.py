"""Plenary as an OpenID Connect relying party: the authorization code flow with PKCE (S256),
``state`` and ``nonce`` (OpenID Connect Core 1.0 §3.1), discovery (Discovery 1.0 §4), and the
ID token checked against the provider's published keys (Core §3.1.3.7).

Authlib builds the authorization request and exchanges the code; joserfc verifies the ID
token with the keys of a shared :class:`~service.signin.jwks.JwksCache`. Every failure is an
:class:`OidcRefused` whose ``reason`` the sign-in page turns into a sentence; none carries a
token. The discovery document is fetched on first use and kept; if the provider is down then,
the next sign-in tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client.errors import OAuthError
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)

from service.signin.jwks import JwksCache, JwksCaches, JwksUnavailable
from service.signin.oidc_settings import OidcSettings

with warnings.catch_warnings():
    # Authlib 1.9 suggests the httpx2 fork; httpx is the client this project already uses.
    warnings.filterwarnings("ignore", "The httpx module", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

__all__ = ["OidcClient", "OidcRefused", "PendingSignIn", "Reason", "TokenAnswer"]

_log = logging.getLogger("plenary.sign_in")

Reason = Literal[
    "unavailable",
    "state",
    "provider_said_no",
    "code",
    "token_expired",
    "token_signature",
    "token_invalid",
    "nonce",
    "no_member_claim",
    "not_on_roll",
]

_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
_LEEWAY_SECONDS = 60


class OidcRefused(Exception):
    """A sign-in through the provider that cannot go on, and why (a :data:`Reason`)."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(reason)
        self.reason: Reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """What this browser keeps between leaving for the provider and coming back."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> PendingSignIn:
        return cls(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            code_verifier=generate_token(64),
        )


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    """What the token endpoint gave for a code: the ID token (compact form) and, when the
    provider issued one, the access token for its UserInfo endpoint."""

    id_token: str
    access_token: str | None


class OidcClient:
    """The organisation's provider as ``settings`` name it. Cost of a sign-in: one discovery
    fetch per process, one token request, one signature check (a key fetch on a new ``kid``)."""

    def __init__(self, settings: OidcSettings, http: httpx.AsyncClient, jwks: JwksCaches) -> None:
        if settings.issuer is None:
            raise ValueError("an OpenID Connect client needs PLENARY_OIDC_ISSUER")
        self.settings = settings
        self.issuer: str = settings.issuer
        self._http = http
        self._jwks = jwks
        self._metadata: Mapping[str, Any] | None = None

    async def metadata(self) -> Mapping[str, Any]:
        """The provider's discovery document (fetched once); ``unavailable`` if it cannot be."""
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                answer = await self._http.get(url, timeout=10.0)
                answer.raise_for_status()
                document = answer.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcRefused("unavailable", f"discovery: {type(exc).__name__}") from None
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                raise OidcRefused("unavailable", "discovery names another issuer")
            for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(document.get(field), str):
                    raise OidcRefused("unavailable", f"discovery has no {field}")
            self._metadata = document
        return self._metadata

    async def keys(self) -> JwksCache:
        """The provider's key set (its ``jwks_uri``), shared with any other user of it."""
        return self._jwks.for_url(str((await self.metadata())["jwks_uri"]))

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            scope=self.settings.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=10.0,
        )

    async def authorization_url(self, pending: PendingSignIn, redirect_uri: str) -> str:
        """Where to send the browser to sign in at the provider."""
        endpoint = str((await self.metadata())["authorization_endpoint"])
        async with self._client(redirect_uri) as client:
            url, _ = client.create_authorization_url(
                endpoint,
                state=pending.state,
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
            )
        return str(url)

    async def exchange(self, code: str, pending: PendingSignIn, redirect_uri: str) -> TokenAnswer:
        """Trade the authorization ``code`` for the ID token and the access token."""
        endpoint = str((await self.metadata())["token_endpoint"])
        async with self._client(redirect_uri) as client:
            try:
                token = await client.fetch_token(
                    endpoint, code=code, code_verifier=pending.code_verifier
                )
            except OAuthError as exc:
                raise OidcRefused("code", str(exc.error)) from None
            except httpx.HTTPError as exc:
                raise OidcRefused("unavailable", f"token: {type(exc).__name__}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcRefused("token_invalid", "the token answer has no id_token")
        access_token = token.get("access_token")
        return TokenAnswer(id_token, access_token if isinstance(access_token, str) else None)

    async def with_userinfo(
        self, claims: Mapping[str, Any], access_token: str | None, wanted: tuple[str, ...]
    ) -> Mapping[str, Any]:
        """The ID token's ``claims``, completed from the provider's UserInfo endpoint (Core
        §5.3) when they lack any of ``wanted``: a conforming provider releases the scopes'
        claims there, not in the ID token, in the code flow. The UserInfo ``sub`` must be the
        ID token's (Core §5.3.4); the ID token's own claims win. Unchanged when nothing is
        missing or the provider has no endpoint. Cost: one request, only when needed."""
        if access_token is None or all(name in claims for name in wanted):
            return claims
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return claims
        try:
            answer = await self._http.get(
                endpoint,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                timeout=10.0,
            )
            answer.raise_for_status()
        except httpx.HTTPError as exc:
            raise OidcRefused("unavailable", f"userinfo: {type(exc).__name__}") from None
        if not answer.headers.get("content-type", "").startswith("application/json"):
            # a signed or encrypted UserInfo answer (application/jwt) is not asked for
            raise OidcRefused("token_invalid", "userinfo is not JSON")
        try:
            info = answer.json()
        except ValueError:
            raise OidcRefused("token_invalid", "userinfo is not JSON") from None
        if not isinstance(info, dict):
            raise OidcRefused("token_invalid", "userinfo is not an object")
        sub = claims.get("sub")
        if not isinstance(sub, str) or info.get("sub") != sub:
            raise OidcRefused("token_invalid", "userinfo names another subject")
        return {**info, **claims}

    async def check_id_token(
        self, id_token: str, *, nonce: str, now: dt.datetime
    ) -> Mapping[str, Any]:
        """The ID token's claims when it is signed by the provider's key, for this client,
        from this issuer, current at ``now`` and carrying ``nonce``; else ``OidcRefused``."""
        try:
            header = jws.extract_compact(id_token.encode()).protected
        except (JoseError, ValueError):
            raise OidcRefused("token_invalid", "not a compact JWS") from None
        kid = header.get("kid")
        try:
            key_set = await (await self.keys()).key_set(kid if isinstance(kid, str) else None)
        except JwksUnavailable:
            raise OidcRefused("unavailable", "jwks") from None
        try:
            token = jwt.decode(id_token, key_set, algorithms=_ALGORITHMS)
        except BadSignatureError:
            raise OidcRefused("token_signature", "bad signature") from None
        except JoseError as exc:  # unknown kid, algorithm, or malformed
            raise OidcRefused("token_signature", type(exc).__name__) from None
        registry = jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.settings.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(token.claims)
        except ExpiredTokenError:
            raise OidcRefused("token_expired") from None
        except (InvalidClaimError, MissingClaimError) as exc:
            raise OidcRefused("token_invalid", type(exc).__name__) from None
        except JoseError as exc:  # issued in the future, and the like
            raise OidcRefused("token_invalid", type(exc).__name__) from None
        claims = token.claims
        audience = claims.get("aud")
        many = isinstance(audience, list) and len(audience) > 1
        if many and claims.get("azp") != self.settings.client_id:
            raise OidcRefused("token_invalid", "azp")
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, nonce):
            raise OidcRefused("nonce")
        return claims
