"""The transparency log's Ed25519 signing key: loaded, or generated on first run, and logged.

The key is a C2SP signer key (``PRIVATE+KEY+<name>+<id>+<base64>``, one line) named after the
log's origin (``PLENARY_LOG_ORIGIN``), read from ``PLENARY_LOG_SIGNING_KEY`` or else from
``.plenary/keys/log-signing.key`` (directory 0700, file 0600), which ``plenary keys create``
writes (or the first run, for a developer with ``PLENARY_GENERATE_KEYS``). The key's birth and any
change of key are entries in the log itself (``log.key_generated``, ``log.key_rotated``), so an
auditor sees from the log which key signed from when. Several service processes must share
one key file: a process with another key would sign under another name.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from audit.errors import AuditError
from audit.events import digest_of
from audit.last_signed import last_signed_path
from audit.note import Signer, generate_signer_key, parse_signer_key
from audit.store import append_event
from service.keys import missing_key
from service.settings import Settings

__all__ = [
    "LOG_KEY_FILE",
    "LogKey",
    "LogKeyError",
    "ensure_log_key",
    "log_key_event",
    "signed_by",
]

LOG_KEY_FILE: Final = "log-signing.key"

_log = logging.getLogger(__name__)


class LogKeyError(ValueError):
    """The log's signing key is missing, unreadable or for another log; the message says which."""


@dataclass(frozen=True, slots=True)
class LogKey:
    """The log's signer, where it came from, and whether this process just generated it."""

    signer: Signer
    path: Path
    generated: bool

    @property
    def verifier_key(self) -> str:
        """The public verifier key string an auditor pins (``name+id+base64``)."""
        return self.signer.verifier().key_string()


def _write_new(path: Path, origin: str) -> bool:
    """Write a fresh key to ``path`` unless one is there; True when this call wrote it."""
    try:
        signer_key, _ = generate_signer_key(origin)
    except AuditError as exc:
        raise LogKeyError(
            f"PLENARY_LOG_ORIGIN {origin!r} cannot name a signing key: {exc}"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    # Written whole under a private name, then linked into place: a process starting at the
    # same moment sees either no key or the whole key, never an empty file.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(signer_key + "\n")
    try:
        os.link(draft, path)
    except FileExistsError:  # another process generated it first: use theirs
        return False
    finally:
        os.unlink(draft)
    return True


def ensure_log_key(settings: Settings, *, create: bool | None = None) -> LogKey:
    """Load the log's signing key, generating it when none is configured and ``create``
    (default: ``settings.generate_keys``) allows; several pods each generating their own would
    make the log "rotate" back and forth, so a deployment is refused instead.

    Refuses (:class:`LogKeyError`) a file that is missing when configured, is not a C2SP
    Ed25519 signer key, or whose key name is not the log's origin (the verifier checks the
    checkpoint's origin against the key's name). Cost: one file read, one key generation on
    first run.
    """
    generated = False
    if settings.log_signing_key is not None:
        path = settings.log_signing_key
        if not path.is_file():
            raise LogKeyError(f"PLENARY_LOG_SIGNING_KEY names {path}, which does not exist")
    else:
        path = settings.keys_dir / LOG_KEY_FILE
        if not path.exists():
            if not (settings.generate_keys if create is None else create):
                raise LogKeyError(
                    missing_key("log signing key", path, "PLENARY_LOG_SIGNING_KEY", settings)
                )
            generated = _write_new(path, settings.log_origin)
    try:
        signer = parse_signer_key(path.read_text(encoding="ascii").strip())
    except (OSError, UnicodeDecodeError, AuditError) as exc:
        raise LogKeyError(f"{path} is not a C2SP Ed25519 signer key: {exc}") from None
    if signer.name != settings.log_origin:
        raise LogKeyError(
            f"the key in {path} is named {signer.name!r} but PLENARY_LOG_ORIGIN is "
            f"{settings.log_origin!r}; use a key named after the log's origin"
        )
    if path.stat().st_mode & 0o077:
        _log.warning("log signing key %s is readable by others; chmod 600 it", path)
    signer = dataclasses.replace(signer, record=last_signed_path(path))
    return LogKey(signer=signer, path=path, generated=generated)


def signed_by(note: str, signer: Signer) -> bool:
    """Whether a signed note carries a signature line under this signer's name and key id.

    Only the line is looked at (the note was verified when it was signed): this tells a key
    change from a restart. Cost: linear in the note's length.
    """
    key_id = signer.key_id.to_bytes(4, "big")
    prefix = f"— {signer.name} "
    for line in note.split("\n\n", 1)[-1].splitlines():
        if line.startswith(prefix):
            try:
                raw = base64.b64decode(line[len(prefix) :], validate=True)
            except binascii.Error:
                continue
            if raw[:4] == key_id:
                return True
    return False


async def log_key_event(session: AsyncSession, key: LogKey, *, rotated: bool) -> int:
    """Append ``log.key_generated`` or ``log.key_rotated`` in the caller's transaction.

    The entry names the log, the key id and the SHA-256 digest of the verifier key string,
    so an auditor can match the key they pinned. Returns the entry's index.
    """
    return await append_event(
        session,
        "log.key_rotated" if rotated else "log.key_generated",
        actor="system",
        subjects={"log": key.signer.name},
        digests={"verifier_key": digest_of(key.verifier_key.encode())},
        facts={"key_id": f"{key.signer.key_id:08x}", "algorithm": "ed25519"},
    )
