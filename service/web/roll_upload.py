"""The server-side copy of a roll file between its preview and its confirmation.

The preview page keeps the uploaded bytes under ``<data_dir>/roll-uploads/<sha256>.csv``
(directory 0700, file 0600) and the confirmation form carries only the SHA-256; confirming
reads the copy back, checks its digest again and imports those bytes, so what is imported is
exactly what was previewed. The copy is removed once imported; copies older than a day are
removed when the next file is uploaded. Cost: one file write and one read per import.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

__all__ = ["discard_upload", "keep_upload", "read_upload"]

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MAX_AGE_SECONDS = 86400


def _folder(data_dir: Path) -> Path:
    folder = data_dir / "roll-uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _path(data_dir: Path, digest: str) -> Path | None:
    return _folder(data_dir) / f"{digest}.csv" if _DIGEST.match(digest) else None


def keep_upload(data_dir: Path, data: bytes, digest: str) -> None:
    """Keep ``data`` (whose SHA-256 is ``digest``) until it is confirmed or a day old."""
    folder = _folder(data_dir)
    now = time.time()
    for old in folder.glob("*.csv"):
        if now - old.stat().st_mtime > _MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    path = _path(data_dir, digest)
    if path is None:
        raise ValueError("an upload is kept under its own SHA-256 (64 hexadecimal digits)")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def read_upload(data_dir: Path, digest: str) -> bytes | None:
    """The kept file named by ``digest``, or None if there is none or its bytes no longer
    have that digest."""
    path = _path(data_dir, digest)
    if path is None or not path.is_file():
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == digest else None


def discard_upload(data_dir: Path, digest: str) -> None:
    """Remove the kept file named by ``digest`` (nothing if there is none)."""
    path = _path(data_dir, digest)
    if path is not None:
        path.unlink(missing_ok=True)
