"""Bearer tokens: who is calling, checked with pyjwt against pinned asymmetric keys.

A token is accepted only when: its header names an algorithm that the selected key verifies
(never ``none``, never HMAC when keys are asymmetric); the ``kid`` selects a known key (a token
without ``kid`` is accepted only when exactly one key is configured); the signature holds; and
``exp``, ``nbf``, ``iat``, ``iss``, ``aud`` and ``sub`` are present and right. Anything else is a
401 whose message says which of these failed, never why in more detail than that.

With ``PLENARY_JWT_JWKS_URL`` the keys published there are trusted too (the pinned keys win on
a shared ``kid``); they come from the shared, background-refreshed
:class:`~service.signin.jwks.JwksCache`, fetched again once when a token names a new ``kid``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Scope

from service.keys import SigningKey, VerificationKey
from service.settings import ROLES, Settings
from service.signin.jwks import JwksCache, JwksUnavailable

__all__ = [
    "AuthMiddleware",
    "Identity",
    "TokenVerifier",
    "identity_of",
    "issue_token",
    "published_keys",
    "requires_role",
    "verified_once",
]


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller: the token's subject (a membership number for members) and its roles."""

    subject: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return role in self.roles


class TokenVerifier:
    """Checks tokens against the configured keys, issuer and audience. Cost: one signature check."""

    def __init__(self, keys: dict[str, VerificationKey], settings: Settings) -> None:
        self._keys = keys
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_seconds
        self.verifications = 0  # signature checks done, for tests and metrics

    def pins(self, kid: str) -> bool:
        """Whether ``kid`` names one of the configured (pinned) keys."""
        return kid in self._keys

    def _key_for(
        self, token: str, published: Mapping[str, VerificationKey] | None = None
    ) -> VerificationKey:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise NotAuthorizedException("the bearer token is not a well-formed JWT") from None
        except jwt.InvalidTokenError as exc:  # a 'kid' that is not a string, a 'crit' header
            raise NotAuthorizedException(f"the token's header is refused: {exc}") from None
        algorithm = header.get("alg")
        kid = header.get("kid")
        if kid is None:
            if len(self._keys) != 1:
                raise NotAuthorizedException("the token has no 'kid' header to select a key")
            key = next(iter(self._keys.values()))
        else:
            found = self._keys.get(str(kid)) or (published or {}).get(str(kid))
            if found is None:
                raise NotAuthorizedException("the token's 'kid' names no key this service trusts")
            key = found
        if algorithm != key.algorithm:
            raise NotAuthorizedException(
                f"the token is signed with {algorithm!r}; this service accepts {key.algorithm} only"
            )
        return key

    def verify(
        self, token: str, *, published: Mapping[str, VerificationKey] | None = None
    ) -> Identity:
        """The identity in ``token``, or ``NotAuthorizedException`` saying what is wrong;
        ``published`` adds keys from a key set (:func:`published_keys`)."""
        self.verifications += 1
        key = self._key_for(token, published)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise NotAuthorizedException("the token has expired; get a new one") from None
        except jwt.ImmatureSignatureError:
            raise NotAuthorizedException(
                "the token is not valid yet (nbf/iat in the future)"
            ) from None
        except jwt.InvalidAudienceError:
            raise NotAuthorizedException("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise NotAuthorizedException(
                "the token comes from an issuer this service does not trust"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise NotAuthorizedException(f"the token has no {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise NotAuthorizedException("the token's signature does not verify") from None
        except jwt.InvalidTokenError as exc:
            raise NotAuthorizedException(f"the token is not valid: {exc}") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise NotAuthorizedException("the token's 'sub' claim must be a non-empty string")
        raw_roles = claims.get("roles", ["member"])
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise NotAuthorizedException("the token's 'roles' claim must be a list of strings")
        return Identity(subject=subject, roles=frozenset(r for r in raw_roles if r in ROLES))


def issue_token(
    key: SigningKey,
    settings: Settings,
    *,
    subject: str,
    roles: Sequence[str] = ("member",),
    ttl_seconds: int | None = None,
    now: int | None = None,
) -> str:
    """A signed token with the claims the organisation's sign-on would issue (dev and tests)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    issued = int(time.time()) if now is None else now
    ttl = settings.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "roles": list(dict.fromkeys(roles)),
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
    }
    return jwt.encode(claims, key.key, algorithm=key.algorithm, headers={"kid": key.kid})


async def published_keys(
    verifier: TokenVerifier, jwks: JwksCache | None, token: str
) -> dict[str, VerificationKey] | None:
    """The published key ``token`` names, when it names a ``kid`` no pinned key has: from
    ``jwks`` (fetched again once for a ``kid`` it does not know). None when not needed."""
    if jwks is None:
        return None
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        return None  # verify() says what is wrong with it
    if not isinstance(kid, str) or verifier.pins(kid):
        return None
    try:
        await jwks.key_set(kid)
    except JwksUnavailable:
        raise NotAuthorizedException("the keys to check this token cannot be fetched now") from None
    published = jwks.jwk(kid)
    if published is None:
        return None
    try:
        found = jwt.PyJWK(dict(published))
    except jwt.PyJWKError:
        return None
    return {kid: VerificationKey(kid=kid, algorithm=found.algorithm_name, key=found.key)}


_VERIFIED = "plenary.verified_bearer"


async def verified_once(scope: Scope, token: str) -> Identity:
    """The identity ``token`` proves, verified at most once per request (issue 20): the rate
    limiter, which runs first, and the auth middleware both ask, and the answer (an identity or
    the refusal's reason; published keys are looked up too) is kept on the request's scope for
    the token it was given."""
    state = scope.setdefault("state", {})
    kept = state.get(_VERIFIED)
    if kept is None or kept[0] != token:
        state_of_app = scope["app"].state
        verifier: TokenVerifier = state_of_app.token_verifier
        try:
            published = await published_keys(verifier, state_of_app.get("jwt_jwks"), token)
            outcome: Identity | str = verifier.verify(token, published=published)
        except NotAuthorizedException as refused:
            outcome = str(refused.detail)
        kept = state[_VERIFIED] = (token, outcome)
    if isinstance(kept[1], str):
        raise NotAuthorizedException(kept[1])
    return kept[1]


class AuthMiddleware(AbstractAuthenticationMiddleware):
    """Reads ``Authorization: Bearer …``; routes opt out with ``exclude_from_auth=True``."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:  # type: ignore[type-arg]
        header = connection.headers.get("authorization")
        if not header:
            raise NotAuthorizedException("sign in: send 'Authorization: Bearer <token>'")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("the Authorization header must be 'Bearer <token>'")
        identity = await verified_once(connection.scope, token.strip())
        return AuthenticationResult(user=identity, auth=token)


def identity_of(connection: ASGIConnection) -> Identity:  # type: ignore[type-arg]
    """The authenticated caller of this request."""
    user = connection.scope.get("user")
    if not isinstance(user, Identity):
        raise NotAuthorizedException("sign in: send 'Authorization: Bearer <token>'")
    return user


def requires_role(*roles: str):  # type: ignore[no-untyped-def]
    """A guard admitting callers whose token holds any of ``roles``."""
    wanted = frozenset(roles)

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
        if not identity_of(connection).roles & wanted:
            raise PermissionDeniedException(f"this needs the role {' or '.join(sorted(wanted))}")

    guard.__name__ = f"requires_{'_or_'.join(sorted(wanted))}"
    return guard
