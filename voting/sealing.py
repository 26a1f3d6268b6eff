"""Sealed ballots: what the database holds while a contest is open is a ciphertext.

While a contest is open each ballot is stored sealed: AES-256-GCM under the contest's own key,
with the contest id as associated data (a sealed ballot cannot be moved to another contest),
padded to the longest ballot the contest allows (all ``for``/``against``/``abstain`` ballots are
one length, and so are all rankings), under a fresh random nonce. The key is 32 random bytes in
a file of its own under the service's keys directory (``keys/ballots/CONTEST.key``, mode 0600),
never in PostgreSQL: every process behind one database shares the directory, as they share the
token-signing key, and the key survives a restart. When the contest closes the service unseals
the box, writes the plain ballots afresh in canonical order, deletes the sealed rows and, once
that close has committed, deletes the key file. From then on what the database, its WAL, its
replicas and its backups kept of the sealed rows cannot be read by anyone (see
docs/THREAT_MODEL.md, "The ballot box", for what this does and does not protect).

The process-wide key directory is set once at startup with :func:`use_ballot_keys` (the service
does it in ``create_app``); until then sealing refuses, so a ballot is never stored in the clear
by a process that was not told where its keys are.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from schemas.problems import DomainError

__all__ = [
    "SEALED",
    "BallotKeys",
    "SealError",
    "ballot_keys",
    "forget_key_when_committed",
    "seal",
    "unseal",
    "use_ballot_keys",
    "write_private_file",
]

SEALED = b"\x00plenary sealed ballot v1\x00"
"""The first bytes of every sealed ballot; canonical JSON never starts with a NUL."""

_KEY_BYTES = 32
_NONCE_BYTES = 12
_LENGTH_BYTES = 2


class SealError(DomainError):
    """A sealed ballot cannot be read or written: its key is missing, or it was altered."""

    status = 500
    title = "Sealed ballot box unreadable"


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600, directory 0700) unless a file is there
    (``FileExistsError``). Written whole under a private name, then linked into place, so a
    process starting at the same moment sees no file or the whole file, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(draft, path)
    finally:
        os.unlink(draft)


class BallotKeys:
    """The per-contest ballot keys in one directory, kept in memory once read."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._kept: dict[uuid.UUID, bytes] = {}

    def path(self, contest_id: uuid.UUID) -> Path:
        return self.directory / f"{contest_id}.key"

    def _read(self, path: Path) -> bytes:
        key = path.read_bytes()
        if len(key) != _KEY_BYTES:
            raise SealError(f"the ballot key {path} is not {_KEY_BYTES} bytes; it was altered")
        return key

    def key(self, contest_id: uuid.UUID) -> bytes:
        """The contest's key, made (32 random bytes) by whichever process casts first."""
        kept = self._kept.get(contest_id)
        if kept is not None:
            return kept
        path = self.path(contest_id)
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process made it first
                write_private_file(path, secrets.token_bytes(_KEY_BYTES))
        key = self._read(path)
        self._kept[contest_id] = key
        return key

    def existing(self, contest_id: uuid.UUID) -> bytes | None:
        """The contest's key if there is one (a box nobody voted in has none)."""
        kept = self._kept.get(contest_id)
        if kept is not None:
            return kept
        try:
            return self._read(self.path(contest_id))
        except FileNotFoundError:
            return None

    def forget(self, contest_id: uuid.UUID) -> None:
        """Delete the contest's key (file and memory): its sealed ballots are unreadable after.
        Only for a contest that has closed (its box written out in the clear)."""
        self._kept.pop(contest_id, None)
        self.path(contest_id).unlink(missing_ok=True)

    def held(self) -> list[uuid.UUID]:
        """The contests that have a key file here."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob("*.key"):
            try:
                found.append(uuid.UUID(path.stem))
            except ValueError:
                continue
        return found


_KEYS: list[BallotKeys] = []


def use_ballot_keys(directory: Path) -> BallotKeys:
    """Keep this process's ballot keys in ``directory`` (the service's ``keys/ballots``)."""
    keys = BallotKeys(directory)
    _KEYS[:] = [keys]
    return keys


def ballot_keys() -> BallotKeys:
    """This process's ballot keys; ``SealError`` until :func:`use_ballot_keys` was called."""
    if not _KEYS:
        raise SealError("this process was not given a ballot key directory; nothing was stored")
    return _KEYS[0]


def _aad(contest_id: uuid.UUID) -> bytes:
    return SEALED + contest_id.bytes


def seal(key: bytes, contest_id: uuid.UUID, content: bytes, padded_to: int) -> bytes:
    """``content`` sealed for the contest: ``SEALED || nonce || AES-GCM(len || content || 0…)``,
    the plaintext padded to ``padded_to`` bytes so every ballot of the contest is one length."""
    if len(content) > padded_to:
        raise SealError(f"a ballot of {len(content)} bytes is longer than {padded_to}")
    plain = len(content).to_bytes(_LENGTH_BYTES, "big") + content
    plain += bytes(padded_to - len(content))
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return SEALED + nonce + AESGCM(key).encrypt(nonce, plain, _aad(contest_id))


def unseal(key: bytes | None, contest_id: uuid.UUID, stored: bytes) -> bytes:
    """The canonical content of a stored ballot. Content that is not sealed (cast before
    ballots were sealed) is returned as it is. ``SealError`` when the key is missing or the
    ciphertext was altered or belongs to another contest."""
    if not stored.startswith(SEALED):
        return stored
    if key is None:
        raise SealError(
            f"the ballot key of contest {contest_id} is missing from the keys directory, so its "
            "sealed ballots cannot be read"
        )
    body = stored[len(SEALED) :]
    nonce, sealed = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, _aad(contest_id))
    except InvalidTag:
        raise SealError(
            f"a sealed ballot of contest {contest_id} does not open with its key: it was "
            "altered, or sealed for another contest or under another key"
        ) from None
    length = int.from_bytes(plain[:_LENGTH_BYTES], "big")
    return plain[_LENGTH_BYTES : _LENGTH_BYTES + length]


_FORGET = "plenary.ballot_keys_to_forget"


def _after_commit(session: Session) -> None:
    keys = _KEYS[0] if _KEYS else None
    for contest_id in session.info.pop(_FORGET, ()):
        if keys is not None:
            keys.forget(contest_id)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FORGET, None)


def forget_key_when_committed(session: AsyncSession, contest_id: uuid.UUID) -> None:
    """Delete the contest's key once the session's transaction commits (and not if it rolls
    back: the box is then still open and sealed). Every path that closes a contest calls
    ``voting.lifecycle.close_contest``, which calls this."""
    sync = session.sync_session
    if not event.contains(sync, "after_commit", _after_commit):
        event.listen(sync, "after_commit", _after_commit)
        event.listen(sync, "after_rollback", _after_rollback)
    sync.info.setdefault(_FORGET, set()).add(contest_id)
