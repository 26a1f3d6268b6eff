"""The keys one deployment shares: made once (``plenary keys create``), never at start.

Three secrets live in the keys directory (``$PLENARY_DATA_DIR/keys``) unless a setting points
elsewhere: the token-signing key (``plenary token``; its public half is trusted when no sign-on
keys are configured), the transparency log's signing key, and the rate-limit secret. Every app
process must read the same three, so a deployment creates them once and mounts that directory
(or the files the settings name) into every process; a process that finds one missing refuses
to start (:func:`check_keys`) instead of making up its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.keys import (
    RATE_LIMIT_SECRET_NAME,
    ensure_private_key,
    load_verification_keys,
    rate_limit_secret,
)
from service.log_signing import ensure_log_key
from service.settings import Settings

__all__ = ["KeyFile", "check_keys", "create_keys"]


@dataclass(frozen=True, slots=True)
class KeyFile:
    """One of the deployment's keys: what it is, where, and whether this call made it."""

    what: str
    path: Path
    created: bool


def create_keys(settings: Settings) -> tuple[list[KeyFile], str]:
    """Create whichever of the three keys is missing (those that exist are kept, never
    replaced); returns them and the log's verifier key, which auditors pin. Cost: three small
    file writes at most."""
    found: list[KeyFile] = []
    if not settings.jwt_public_keys and settings.jwt_jwks_file is None:
        path, created = ensure_private_key(settings, create=True)
        found.append(KeyFile("token-signing key", path, created))
    log_key = ensure_log_key(settings, create=True)
    found.append(KeyFile("log signing key", log_key.path, log_key.generated))
    if not settings.rate_limit_secret:
        path = settings.keys_dir / RATE_LIMIT_SECRET_NAME
        existed = path.exists()
        rate_limit_secret(settings, create=True)
        found.append(KeyFile("rate-limit secret", path, not existed))
    return found, log_key.verifier_key


def check_keys(settings: Settings) -> None:
    """Load every key the service will use, creating none unless ``settings.generate_keys``;
    raises ``KeyError_`` or ``LogKeyError`` naming the first one missing and what to do."""
    load_verification_keys(settings)
    ensure_log_key(settings)
    rate_limit_secret(settings)
