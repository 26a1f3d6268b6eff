"""A witness's durable state: the latest checkpoint it cosigned for each log it follows.

One file per log under the state directory (named by the SHA-256 of the log's origin), holding
the cosigned checkpoint's body; replaced atomically and durably (``audit.last_signed``). The
check against the stored checkpoint and the update happen under one lock, held across
processes with ``flock``, so two requests cannot roll the state back (tlog-witness
§add-checkpoint). Standard library only.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from audit.checkpoint import Checkpoint, format_checkpoint, parse_checkpoint
from audit.last_signed import write_durably

__all__ = ["FileWitnessState"]

T = TypeVar("T")


class FileWitnessState:
    """Latest cosigned checkpoint per origin, in files under ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()

    def _path(self, origin: str) -> Path:
        return self.directory / (hashlib.sha256(origin.encode()).hexdigest() + ".checkpoint")

    def latest(self, origin: str) -> Checkpoint | None:
        """The latest checkpoint cosigned for ``origin``, or None."""
        try:
            text = self._path(origin).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return parse_checkpoint(text, origin)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock, open(self.directory / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def update(
        self,
        origin: str,
        decide: Callable[[Checkpoint | None], tuple[T, Checkpoint | None]],
    ) -> T:
        """Run ``decide`` on the stored checkpoint; persist the checkpoint it returns, if any.

        Checking and persisting are one atomic step; the new state is on disk before this
        returns.
        """
        with self._locked():
            result, new = decide(self.latest(origin))
            if new is not None:
                write_durably(self._path(origin), format_checkpoint(new).encode("utf-8"))
            return result
