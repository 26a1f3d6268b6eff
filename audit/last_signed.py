"""The signer's own record of the last checkpoint it signed, kept beside its key.

The database holds the log and its checkpoints, and whoever operates the database can rewrite
both: change entries, rebuild the tree and delete the checkpoints above the change. The
signer therefore keeps, outside the database, the last checkpoint it signed (the signed note,
verbatim) in ``<key file>.last-signed``, and signs a new tree only when a consistency proof
computed from the stored hashes shows it extends that record. The file is replaced
atomically (written whole under a private name, fsynced, renamed, directory fsynced), so a
crash leaves the old record or the new one, never half of one.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.errors import AuditError, StoreError

__all__ = [
    "SUFFIX",
    "LastSigned",
    "RecordError",
    "last_signed_path",
    "read_last_signed",
    "same_tree",
    "write_durably",
    "write_last_signed",
]

SUFFIX = ".last-signed"


class RecordError(StoreError):
    """The signer's record exists but cannot be read; a person must look at it."""


@dataclass(frozen=True, slots=True)
class LastSigned:
    """What the record holds: the checkpoint and its signed note, verbatim."""

    checkpoint: Checkpoint
    note: str


def last_signed_path(key_path: Path) -> Path:
    """Where the record of the key at ``key_path`` lives."""
    return key_path.with_name(key_path.name + SUFFIX)


def read_last_signed(path: Path) -> LastSigned | None:
    """The record at ``path``, or None when this signer has never signed.

    A record that exists but cannot be read as a signed checkpoint raises
    :class:`RecordError`: it must be looked at by a person, never silently restarted.
    """
    try:
        note = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"the signer's record {path} cannot be read: {exc}") from None
    try:
        checkpoint = parse_checkpoint(note[: note.index("\n\n") + 1])
    except (ValueError, AuditError) as exc:
        raise RecordError(f"the signer's record {path} is not a signed checkpoint: {exc}") from None
    return LastSigned(checkpoint, note)


def write_last_signed(path: Path, note: str) -> None:
    """Replace the record at ``path`` with ``note``, atomically and durably."""
    write_durably(path, note.encode("utf-8"))


def write_durably(path: Path, data: bytes) -> None:
    """Replace the file at ``path`` with ``data``: temp file, fsync, rename, fsync directory."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(draft, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def same_tree(record: LastSigned, size: int, root: bytes) -> bool:
    """Whether the record is exactly the tree of ``size`` entries with ``root``."""
    return record.checkpoint.size == size and hmac.compare_digest(record.checkpoint.root_hash, root)
