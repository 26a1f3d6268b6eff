"""Settings of the organisation's OpenID Connect provider and of bearer keys fetched by URL.

| variable | default | meaning |
|---|---|---|
| ``PLENARY_OIDC_ISSUER`` | (none: none offered) | the issuer (https, or http on loopback) |
| ``PLENARY_OIDC_CLIENT_ID`` / ``_CLIENT_SECRET`` | (none) | Plenary's client at the provider |
| ``PLENARY_OIDC_MEMBER_CLAIM`` | ``membership_number`` | the ID-token claim with the number |
| ``PLENARY_OIDC_SCOPES`` | ``openid email`` | scopes asked for (add one releasing that claim) |
| ``PLENARY_OIDC_NAME`` | (none) | the provider's name on the sign-in button |
| ``PLENARY_JWKS_REFRESH`` | 3600 | seconds between background refreshes of every key set |
| ``PLENARY_JWT_JWKS_URL`` | (none) | also accept API bearer tokens signed by a key published here |

Same reading rules as :class:`service.signin.settings.SignInSettings`: the environment, with
the service settings' ``extra`` on top; a bad value stops startup with its name.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.settings import Settings, SettingsError

__all__ = ["OidcSettings"]


def _checked_url(name: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if (
        not host
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not loopback)
    ):
        raise SettingsError(f"{name} must be an https:// address (http only on loopback): {raw!r}")
    return url


@dataclass(frozen=True, slots=True)
class OidcSettings:
    """The provider (when ``issuer`` is set) and the bearer key-set address."""

    issuer: str | None = None
    client_id: str = ""
    client_secret: str = ""
    member_claim: str = "membership_number"
    scopes: str = "openid email"
    name: str | None = None
    jwks_refresh_seconds: int = 3600
    jwt_jwks_url: str | None = None

    @property
    def enabled(self) -> bool:
        return self.issuer is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings:
        """Read the settings from ``env``; ``SettingsError`` names a bad variable."""
        issuer_raw = env.get("PLENARY_OIDC_ISSUER", "")
        issuer = _checked_url("PLENARY_OIDC_ISSUER", issuer_raw) if issuer_raw else None
        client_id = env.get("PLENARY_OIDC_CLIENT_ID", "")
        secret = env.get("PLENARY_OIDC_CLIENT_SECRET", "")
        if issuer and not (client_id and secret):
            raise SettingsError(
                "PLENARY_OIDC_ISSUER is set: set PLENARY_OIDC_CLIENT_ID and "
                "PLENARY_OIDC_CLIENT_SECRET too"
            )
        scopes = env.get("PLENARY_OIDC_SCOPES") or "openid email"
        if "openid" not in scopes.split():
            raise SettingsError(f"PLENARY_OIDC_SCOPES must include openid, not {scopes!r}")
        refresh_raw = env.get("PLENARY_JWKS_REFRESH", "")
        try:
            refresh = int(refresh_raw) if refresh_raw else 3600
        except ValueError:
            raise SettingsError(
                f"PLENARY_JWKS_REFRESH must be whole seconds: {refresh_raw!r}"
            ) from None
        if refresh < 1:
            raise SettingsError(f"PLENARY_JWKS_REFRESH must be at least 1, not {refresh}")
        jwks_raw = env.get("PLENARY_JWT_JWKS_URL", "")
        return cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=secret,
            member_claim=env.get("PLENARY_OIDC_MEMBER_CLAIM") or "membership_number",
            scopes=scopes,
            name=env.get("PLENARY_OIDC_NAME") or None,
            jwks_refresh_seconds=refresh,
            jwt_jwks_url=_checked_url("PLENARY_JWT_JWKS_URL", jwks_raw) if jwks_raw else None,
        )

    @classmethod
    def for_service(cls, settings: Settings) -> OidcSettings:
        """The settings for ``settings``: its ``extra`` mapping wins over the environment."""
        return cls.from_env({**os.environ, **settings.extra})
