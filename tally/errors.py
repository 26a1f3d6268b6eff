"""The errors the counting core raises, each with a message a returning officer can act on.

Every error is a :class:`TallyError`, so a caller (the CLI, the service) can catch one type and
show the message; none of them should ever reach a user as a traceback.
"""

from __future__ import annotations

__all__ = ["CountError", "FormatError", "TallyError"]


class TallyError(Exception):
    """Base class: something about the input or the request stops the count."""


class FormatError(TallyError):
    """A ballot file cannot be read: names the file and the line (1-based) where reading stopped."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class CountError(TallyError):
    """The election cannot be counted under the chosen rule (for example equal rankings)."""
