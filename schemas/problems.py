"""Problem details (RFC 9457): the one shape every error takes, and the domain's error type.

Domain packages raise ``DomainError`` (or a subclass) with a message a person can act on; the
service turns it into ``application/problem+json`` with the status it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["DomainError", "Problem"]


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document (``application/problem+json``)."""

    title: str
    status: int
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class DomainError(Exception):
    """A request the rules refuse; ``status`` is the HTTP status the service answers with.

    ``errors`` carries structured detail (for example every bad line of a roll import).
    """

    status: int = 422
    title: str = "Unprocessable request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        errors: list[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.errors = [dict(e) for e in errors] if errors is not None else None
