"""Settings of the web pages, read from ``PLENARY_*`` variables beside the service's own.

``PLENARY_DEMO_SIGN_IN=1`` shows a page to pick a demo member or officer (``plenary serve
--demo`` sets it); ``PLENARY_SIGN_ON_URL`` is where the organisation's single sign-on starts
(it sends people back to ``/sign-in/token`` with a token); ``PLENARY_SECURE_COOKIES`` is
``auto`` (Secure unless the page is plain http on a loopback address), ``always`` or ``never``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from service.settings import Settings, SettingsError

__all__ = ["WebSettings"]

_SECURE = ("auto", "always", "never")


@dataclass(frozen=True, slots=True)
class WebSettings:
    """How people sign in to the pages and how the session cookie is marked."""

    demo_sign_in: bool = False
    sign_on_url: str | None = None
    secure_cookies: str = "auto"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebSettings:
        """Read the web settings from ``env``; ``SettingsError`` names a bad variable."""
        secure = env.get("PLENARY_SECURE_COOKIES", "auto").lower()
        if secure not in _SECURE:
            raise SettingsError(
                f"PLENARY_SECURE_COOKIES must be auto, always or never, not {secure!r}"
            )
        return cls(
            demo_sign_in=env.get("PLENARY_DEMO_SIGN_IN", "") in {"1", "true", "yes"},
            sign_on_url=env.get("PLENARY_SIGN_ON_URL") or None,
            secure_cookies=secure,
        )

    @classmethod
    def for_service(cls, settings: Settings) -> WebSettings:
        """The web settings for ``settings``: its ``extra`` mapping wins over the environment,
        so tests can switch demo sign-in on for one app."""
        return cls.from_env({**os.environ, **settings.extra})
