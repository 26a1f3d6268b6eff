"""Settings of sign-in, sessions and mail, read from ``PLENARY_*`` variables.

Like :class:`service.web.settings.WebSettings`, they come from the environment with the
service settings' ``extra`` mapping on top, so a test can change them for one app.

| variable | default | meaning |
|---|---|---|
| ``PLENARY_SESSION_IDLE`` | 1800 | seconds a session lives unused |
| ``PLENARY_SESSION_MAX`` | 43200 | seconds a session lives at most, however used |
| ``PLENARY_SIGN_IN_LINK_TTL`` | 900 | seconds an emailed link or code stays good |
| ``PLENARY_SIGN_IN_MAILS_PER_TARGET`` | 3 | links mailed to one address per quarter hour |
| ``PLENARY_SIGN_IN_REQUESTS_PER_ADDRESS`` | 30 | link requests per client address per window |
| ``PLENARY_SIGN_IN_REQUESTS_PER_TARGET`` | 5 | link requests per address or number per window |
| ``PLENARY_SMTP_HOST`` / ``_PORT`` | (none) / 587 | the mail server; none: mail waits |
| ``PLENARY_SMTP_SECURITY`` | starttls | ``starttls``, ``tls`` (implicit, port 465) or ``none`` |
| ``PLENARY_SMTP_CA_FILE`` | (the system's) | CA certificates (PEM) to check the server's by |
| ``PLENARY_SMTP_USER`` / ``_PASSWORD`` | (none) | log in to the mail server when set |
| ``PLENARY_MAIL_FROM`` | ``Plenary <plenary@localhost>`` | the From address |
| ``PLENARY_PUBLIC_URL`` | (from the request) | the address links in mail point at |
| ``PLENARY_MAIL_COPY_DIR`` | (none; demo: ``.plenary/outbox``) | also write mail here, and log it |

"Per window" is the service's rate-limit window, ``PLENARY_RATE_WINDOW`` (60 s by default);
"links mailed" counts over one link lifetime.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from service.sessions.rules import SessionPolicy
from service.settings import Settings, SettingsError

__all__ = ["SignInSettings"]

_SECURITY = ("starttls", "tls", "none")


def _seconds(env: Mapping[str, str], name: str, default: int, least: int = 1) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number of seconds, not {raw!r}") from None
    if value < least:
        raise SettingsError(f"{name} must be at least {least}, not {value}")
    return value


def _ca_file(env: Mapping[str, str]) -> Path | None:
    raw = env.get("PLENARY_SMTP_CA_FILE", "")
    if not raw:
        return None
    if not Path(raw).is_file():
        raise SettingsError(f"PLENARY_SMTP_CA_FILE names no file: {raw!r}")
    return Path(raw)


@dataclass(frozen=True, slots=True)
class SignInSettings:
    """Sessions, emailed sign-in links, and the mail server."""

    session_idle_seconds: int = 1800
    session_max_seconds: int = 43200
    link_ttl_seconds: int = 900
    mails_per_target: int = 3
    requests_per_address: int = 30
    requests_per_target: int = 5
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_ca_file: Path | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Plenary <plenary@localhost>"
    public_url: str | None = None
    mail_copy_dir: Path | None = None

    @property
    def policy(self) -> SessionPolicy:
        return SessionPolicy(
            idle=dt.timedelta(seconds=self.session_idle_seconds),
            absolute=dt.timedelta(seconds=self.session_max_seconds),
        )

    @property
    def link_ttl(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.link_ttl_seconds)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SignInSettings:
        """Read the settings from ``env``; ``SettingsError`` names a bad variable."""
        security = env.get("PLENARY_SMTP_SECURITY", "starttls").lower()
        if security not in _SECURITY:
            raise SettingsError(
                f"PLENARY_SMTP_SECURITY must be starttls, tls or none, not {security!r}"
            )
        copy_dir = env.get("PLENARY_MAIL_COPY_DIR")
        return cls(
            session_idle_seconds=_seconds(env, "PLENARY_SESSION_IDLE", 1800),
            session_max_seconds=_seconds(env, "PLENARY_SESSION_MAX", 43200),
            link_ttl_seconds=_seconds(env, "PLENARY_SIGN_IN_LINK_TTL", 900),
            mails_per_target=_seconds(env, "PLENARY_SIGN_IN_MAILS_PER_TARGET", 3, least=0),
            requests_per_address=_seconds(env, "PLENARY_SIGN_IN_REQUESTS_PER_ADDRESS", 30, 0),
            requests_per_target=_seconds(env, "PLENARY_SIGN_IN_REQUESTS_PER_TARGET", 5, 0),
            smtp_host=env.get("PLENARY_SMTP_HOST") or None,
            smtp_port=_seconds(env, "PLENARY_SMTP_PORT", 465 if security == "tls" else 587),
            smtp_security=security,
            smtp_ca_file=_ca_file(env),
            smtp_user=env.get("PLENARY_SMTP_USER") or None,
            smtp_password=env.get("PLENARY_SMTP_PASSWORD") or None,
            mail_from=env.get("PLENARY_MAIL_FROM") or "Plenary <plenary@localhost>",
            public_url=(env.get("PLENARY_PUBLIC_URL") or "").rstrip("/") or None,
            mail_copy_dir=Path(copy_dir) if copy_dir else None,
        )

    @classmethod
    def for_service(cls, settings: Settings) -> SignInSettings:
        """The settings for ``settings``: its ``extra`` mapping wins over the environment."""
        return cls.from_env({**os.environ, **settings.extra})
