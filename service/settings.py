"""Settings from environment variables (``PLENARY_...``), read once into a frozen dataclass.

Read from the environment (a deployment), nothing is made up: without ``DATABASE_URL`` the
service refuses to start rather than run an empty embedded database, and without key files it
refuses rather than generate keys of its own (``plenary keys create`` makes them once, for every
process to share). ``plenary serve --demo`` (``make run``) turns both on
(``PLENARY_EMBEDDED_DATABASE``, ``PLENARY_GENERATE_KEYS``): an embedded PostgreSQL and keys
generated under ``.plenary/``. Settings built in code (tests, benchmarks) are a developer's and
have both on. The README lists every variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = ["ROLES", "Settings", "SettingsError"]

ROLES = ("member", "chair", "returning_officer", "auditor", "admin")


class SettingsError(ValueError):
    """A setting has a value the service cannot use; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _check_limits(settings: Settings) -> None:
    """Refuse limits the service cannot apply; the message names the variable."""
    if settings.max_body_bytes < 1:
        raise SettingsError("PLENARY_MAX_BODY_BYTES must be at least 1")
    if settings.db_statement_cache_size < 0:
        raise SettingsError("PLENARY_DB_STATEMENT_CACHE_SIZE must be 0 (off) or more")
    if settings.rate_window_seconds < 1:
        raise SettingsError("PLENARY_RATE_WINDOW must be at least 1 second")
    for name, value in (
        ("PLENARY_CAST_RATE_PER_MEMBER", settings.cast_rate_per_member),
        ("PLENARY_CAST_RATE_PER_ADDRESS", settings.cast_rate_per_address),
        ("PLENARY_SIGN_IN_RATE_PER_MEMBER", settings.sign_in_rate_per_member),
        ("PLENARY_SIGN_IN_RATE_PER_ADDRESS", settings.sign_in_rate_per_address),
        ("PLENARY_HSTS_MAX_AGE", settings.hsts_max_age),
    ):
        if value < 0:
            raise SettingsError(f"{name} must be 0 (off) or more, not {value}")
    for proxy in settings.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(
                f"PLENARY_TRUSTED_PROXIES must list addresses or networks, not {proxy!r}"
            ) from None


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    raise SettingsError(f"{name} must be 1 (on) or 0 (off), not {raw!r}")


def _paths(env: Mapping[str, str], name: str) -> tuple[Path, ...]:
    raw = env.get(name, "")
    return tuple(Path(p) for p in raw.split(os.pathsep) if p)


@dataclass(frozen=True, slots=True)
class Settings:
    """What the service needs to know about its surroundings."""

    data_dir: Path = Path(".plenary")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    debug: bool = False
    log_level: str = "INFO"
    jwt_issuer: str = "plenary"
    jwt_audience: str = "plenary"
    jwt_private_key: Path | None = None
    jwt_public_keys: tuple[Path, ...] = ()
    jwt_jwks_file: Path | None = None
    jwt_leeway_seconds: int = 30
    token_ttl_seconds: int = 3600
    log_origin: str = "plenary.example/log"
    log_signing_key: Path | None = None
    # The log's witnesses, "VKEY URL" pairs separated by commas (service.witnessing).
    witnesses: str = ""
    db_pool_size: int = 10
    db_max_overflow: int = 20
    # asyncpg's prepared-statement cache per connection; 0 behind PgBouncer in transaction
    # mode, where a connection's next transaction may run on another server connection.
    db_statement_cache_size: int = 100
    max_csv_bytes: int = 50 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    rate_window_seconds: int = 60
    # The key of the rate-limit counters' row names (None: keys/rate-limit.secret, generated).
    rate_limit_secret: str | None = None
    # Rate limits per window (0 turns one off); on by default wherever settings come from.
    cast_rate_per_member: int = 30
    cast_rate_per_address: int = 1200
    sign_in_rate_per_member: int = 10
    sign_in_rate_per_address: int = 300
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    hsts_max_age: int = 31536000
    # A developer's conveniences, off when read from the environment unless asked for:
    # start an embedded PostgreSQL when no URL is given, and generate missing keys.
    embedded_database: bool = True
    generate_keys: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def database(self) -> str:
        """``database_url``, which every part that talks to PostgreSQL needs; ``ValueError``
        saying how to give it when there is none (``create_app`` and ``plenary serve`` fill
        it in, starting the embedded server when asked to)."""
        if self.database_url is None:
            raise ValueError("no database: set DATABASE_URL (or run with --demo)")
        return self.database_url

    @property
    def keys_dir(self) -> Path:
        """Where generated keys live (mode 0700 directory, 0600 files)."""
        return self.data_dir / "keys"

    @property
    def embedded_pgdata(self) -> Path:
        """The embedded PostgreSQL's data directory, used when no database URL is set."""
        return self.data_dir / "pgdata"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every ``PLENARY_*`` variable (and ``DATABASE_URL``) from ``env``."""
        e = os.environ if env is None else env
        private_key = e.get("PLENARY_JWT_PRIVATE_KEY")
        jwks = e.get("PLENARY_JWT_JWKS_FILE")
        signing = e.get("PLENARY_LOG_SIGNING_KEY")
        settings = cls(
            data_dir=Path(e.get("PLENARY_DATA_DIR", ".plenary")),
            database_url=e.get("DATABASE_URL") or e.get("PLENARY_DATABASE_URL") or None,
            host=e.get("PLENARY_HOST", "127.0.0.1"),
            port=_int(e, "PLENARY_PORT", 8000),
            debug=e.get("PLENARY_DEBUG", "") in {"1", "true", "yes"},
            log_level=e.get("PLENARY_LOG_LEVEL", "INFO").upper(),
            jwt_issuer=e.get("PLENARY_JWT_ISSUER", "plenary"),
            jwt_audience=e.get("PLENARY_JWT_AUDIENCE", "plenary"),
            jwt_private_key=Path(private_key) if private_key else None,
            jwt_public_keys=_paths(e, "PLENARY_JWT_PUBLIC_KEYS"),
            jwt_jwks_file=Path(jwks) if jwks else None,
            jwt_leeway_seconds=_int(e, "PLENARY_JWT_LEEWAY", 30),
            token_ttl_seconds=_int(e, "PLENARY_TOKEN_TTL", 3600),
            log_origin=e.get("PLENARY_LOG_ORIGIN", "plenary.example/log"),
            log_signing_key=Path(signing) if signing else None,
            witnesses=e.get("PLENARY_WITNESSES", ""),
            db_pool_size=_int(e, "PLENARY_DB_POOL_SIZE", 10),
            db_max_overflow=_int(e, "PLENARY_DB_MAX_OVERFLOW", 20),
            db_statement_cache_size=_int(e, "PLENARY_DB_STATEMENT_CACHE_SIZE", 100),
            max_csv_bytes=_int(e, "PLENARY_MAX_CSV_BYTES", 50 * 1024 * 1024),
            max_body_bytes=_int(e, "PLENARY_MAX_BODY_BYTES", 1024 * 1024),
            rate_window_seconds=_int(e, "PLENARY_RATE_WINDOW", 60),
            rate_limit_secret=e.get("PLENARY_RATE_LIMIT_SECRET") or None,
            cast_rate_per_member=_int(e, "PLENARY_CAST_RATE_PER_MEMBER", 30),
            cast_rate_per_address=_int(e, "PLENARY_CAST_RATE_PER_ADDRESS", 1200),
            sign_in_rate_per_member=_int(e, "PLENARY_SIGN_IN_RATE_PER_MEMBER", 10),
            sign_in_rate_per_address=_int(e, "PLENARY_SIGN_IN_RATE_PER_ADDRESS", 300),
            trusted_proxies=_list(e, "PLENARY_TRUSTED_PROXIES", ("127.0.0.1", "::1")),
            hsts_max_age=_int(e, "PLENARY_HSTS_MAX_AGE", 31536000),
            embedded_database=_flag(e, "PLENARY_EMBEDDED_DATABASE"),
            generate_keys=_flag(e, "PLENARY_GENERATE_KEYS"),
        )
        if settings.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(
                "PLENARY_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, "
                f"not {settings.log_level!r}"
            )
        if not 0 < settings.port < 65536:
            raise SettingsError(f"PLENARY_PORT must be between 1 and 65535, not {settings.port}")
        _check_limits(settings)
        return settings

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (tests and the CLI use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]
