"""Contracts of sign-in administration: officers' sign-in grants."""

from __future__ import annotations

import msgspec

__all__ = ["SignInGrant", "SignInGrantRequest"]


class SignInGrantRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Let ``subject`` sign in by a link mailed to ``email``, holding ``role``."""

    email: str
    subject: str
    role: str


class SignInGrant(msgspec.Struct):
    """An officer's sign-in grant."""

    id: int
    email: str
    subject: str
    role: str
