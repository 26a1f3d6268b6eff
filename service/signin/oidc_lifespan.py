"""The app's OpenID Connect parts for its lifetime: one HTTP client, the key-set caches
refreshed in the background, the provider client (``app.state.oidc``, None when no provider
is set) and the bearer key set (``app.state.jwt_jwks``, None without ``PLENARY_JWT_JWKS_URL``).

Nothing is fetched at startup: a provider that is down does not stop Plenary starting; the
first sign-in or token that needs the keys fetches them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar

from service.signin.jwks import JwksCaches
from service.signin.oidc_client import OidcClient
from service.signin.oidc_settings import OidcSettings

__all__ = ["oidc_lifespan"]


@asynccontextmanager
async def oidc_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Hold the client and caches open while the app runs."""
    settings = OidcSettings.for_service(app.state.settings)
    async with httpx.AsyncClient(follow_redirects=False) as http:
        caches = JwksCaches(http, settings.jwks_refresh_seconds)
        app.state.jwks_caches = caches
        app.state.oidc = OidcClient(settings, http, caches) if settings.enabled else None
        app.state.jwt_jwks = (
            caches.for_url(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
        )
        try:
            yield
        finally:
            await caches.close()
