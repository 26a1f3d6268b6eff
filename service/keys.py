"""Keys for signing and checking bearer tokens (Ed25519 by default, ``kid`` for rotation).

When no key is configured, ``plenary keys create`` (or, for a developer, the first run with
``PLENARY_GENERATE_KEYS``) writes an Ed25519 key pair into ``.plenary/keys/`` (directory 0700,
private key 0600); a deployment never makes one up at start, so every process reads the same.
Public keys may also come from PEM files or a JWKS file; each key's ``kid`` is its RFC 7638
JWK thumbprint unless the JWKS names one, so a token's ``kid`` header selects the key and
keys can rotate.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from service.settings import Settings
from voting.sealing import write_private_file

__all__ = [
    "KeyError_",
    "SigningKey",
    "VerificationKey",
    "ballot_keys_dir",
    "ensure_private_key",
    "jwk_thumbprint",
    "load_private_key",
    "load_verification_keys",
    "missing_key",
    "rate_limit_secret",
]

PRIVATE_KEY_NAME = "jwt-ed25519.pem"
RATE_LIMIT_SECRET_NAME = "rate-limit.secret"  # noqa: S105 (a file name)
BALLOT_KEYS_NAME = "ballots"


class KeyError_(ValueError):
    """A key file is missing or unusable; the message names the file."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A public key, the algorithm it verifies, and its key id."""

    kid: str
    algorithm: str
    key: Any


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key with its key id and algorithm (used by ``plenary token``)."""

    kid: str
    algorithm: str
    key: Any


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64u(n: int) -> str:
    return _b64u(n.to_bytes((n.bit_length() + 7) // 8 or 1, "big"))


def _jwk(key: PublicKeyTypes) -> dict[str, str]:
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64u(raw)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        nums = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        return {
            "crv": {"secp256r1": "P-256", "secp384r1": "P-384"}.get(key.curve.name, key.curve.name),
            "kty": "EC",
            "x": _b64u(nums.x.to_bytes(size, "big")),
            "y": _b64u(nums.y.to_bytes(size, "big")),
        }
    if isinstance(key, rsa.RSAPublicKey):
        rsa_nums = key.public_numbers()
        return {"e": _int_b64u(rsa_nums.e), "kty": "RSA", "n": _int_b64u(rsa_nums.n)}
    raise KeyError_(f"unsupported key type {type(key).__name__}; use Ed25519, EC or RSA")


def jwk_thumbprint(key: PublicKeyTypes) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of a public key: its default ``kid``."""
    canonical = json.dumps(_jwk(key), sort_keys=True, separators=(",", ":")).encode()
    return _b64u(hashlib.sha256(canonical).digest())


def _algorithm(key: PublicKeyTypes) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {256: "ES256", 384: "ES384", 521: "ES512"}.get(key.curve.key_size, "ES256")
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    raise KeyError_(f"unsupported key type {type(key).__name__}; use Ed25519, EC or RSA")


def missing_key(what: str, path: Path, setting: str, settings: Settings) -> str:
    """What to do about a key the service will not make up itself (the refusal's message)."""
    return (
        f"no {what} at {path}, and this service does not generate keys of its own: run "
        f"`plenary keys create` once (PLENARY_DATA_DIR={settings.data_dir}) and give every "
        f"process the same {settings.keys_dir} (a shared volume or secret), or set {setting}; "
        "`plenary serve --demo` generates them for a trial (PLENARY_GENERATE_KEYS=1)"
    )


def _may_create(settings: Settings, create: bool | None) -> bool:
    return settings.generate_keys if create is None else create


def ensure_private_key(settings: Settings, *, create: bool | None = None) -> tuple[Path, bool]:
    """The token-signing key file, generated (Ed25519, mode 0600) when absent and ``create``
    (default: ``settings.generate_keys``) allows, else :class:`KeyError_`; (path, created)."""
    if settings.jwt_private_key is not None:
        return settings.jwt_private_key, False
    path = settings.keys_dir / PRIVATE_KEY_NAME
    if path.exists():
        return path, False
    if not _may_create(settings, create):
        raise KeyError_(
            missing_key(
                "token-signing key",
                path,
                "PLENARY_JWT_JWKS_FILE or PLENARY_JWT_PUBLIC_KEYS to your sign-on's keys",
                settings,
            )
        )
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        write_private_file(path, pem)
    except FileExistsError:  # another process generated it first: use theirs
        return path, False
    return path, True


def rate_limit_secret(settings: Settings, *, create: bool | None = None) -> bytes:
    """The key under which rate-limit counters are named: ``PLENARY_RATE_LIMIT_SECRET``, or
    32 random bytes kept (mode 0600) in ``keys/rate-limit.secret``, generated when ``create``
    (default: ``settings.generate_keys``) allows, else :class:`KeyError_`. Every process behind
    one database must share it, as they share the signing key."""
    if settings.rate_limit_secret:
        return settings.rate_limit_secret.encode()
    path = settings.keys_dir / RATE_LIMIT_SECRET_NAME
    if not path.exists():
        if not _may_create(settings, create):
            raise KeyError_(
                missing_key("rate-limit secret", path, "PLENARY_RATE_LIMIT_SECRET", settings)
            )
        with contextlib.suppress(FileExistsError):  # another process wrote it first
            write_private_file(path, secrets.token_bytes(32))
    return path.read_bytes()


def ballot_keys_dir(settings: Settings) -> Path:
    """Where the per-contest ballot keys are kept (``keys/ballots``, see ``voting.sealing``):
    shared by every process behind one database, never backed up, never in PostgreSQL."""
    return settings.keys_dir / BALLOT_KEYS_NAME


def load_private_key(path: Path) -> SigningKey:
    """Read a PEM private key; its ``kid`` is the thumbprint of its public half."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise KeyError_(f"no private key at {path}") from None
    except ValueError as exc:
        raise KeyError_(f"{path} is not a PEM private key: {exc}") from None
    public = key.public_key()
    return SigningKey(kid=jwk_thumbprint(public), algorithm=_algorithm(public), key=key)


def _from_pem(path: Path) -> VerificationKey:
    data = path.read_bytes()
    try:
        public: PublicKeyTypes = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            public = serialization.load_pem_private_key(data, password=None).public_key()
        except ValueError as exc:
            raise KeyError_(f"{path} holds no PEM public or private key: {exc}") from None
    return VerificationKey(kid=jwk_thumbprint(public), algorithm=_algorithm(public), key=public)


def _from_jwks(path: Path) -> list[VerificationKey]:
    import jwt

    try:
        document = json.loads(path.read_text())
        keys = document["keys"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyError_(f"{path} is not a JWKS file with a 'keys' list: {exc}") from None
    found = []
    for number, jwk in enumerate(keys, start=1):
        try:
            public = jwt.PyJWK.from_dict(jwk).key
        except (jwt.PyJWKError, jwt.InvalidKeyError) as exc:
            raise KeyError_(f"{path}: key {number} cannot be used: {exc}") from None
        if not hasattr(public, "public_bytes"):
            raise KeyError_(f"{path}: key {number} is not an asymmetric public key")
        kid = jwk.get("kid") or jwk_thumbprint(public)
        found.append(VerificationKey(kid=kid, algorithm=_algorithm(public), key=public))
    return found


def load_verification_keys(settings: Settings) -> dict[str, VerificationKey]:
    """Every key tokens may be signed with, by ``kid``.

    Configured PEM files and JWKS come first; with none configured, the public half of the
    local signing key is used (generated only if ``settings.generate_keys``).
    """
    keys: list[VerificationKey] = []
    for path in settings.jwt_public_keys:
        if not path.exists():
            raise KeyError_(f"PLENARY_JWT_PUBLIC_KEYS names {path}, which does not exist")
        keys.append(_from_pem(path))
    if settings.jwt_jwks_file is not None:
        keys.extend(_from_jwks(settings.jwt_jwks_file))
    if not keys:
        path, _ = ensure_private_key(settings)
        keys.append(_from_pem(path))
    return {k.kid: k for k in keys}
