"""The errors of the transparency log, one class per way a check can fail.

Every error is an :class:`AuditError`, so a caller that only needs "does this verify?" catches
one class; a caller that reports to a person (the verifier CLI, the HTTP layer) can tell a
malformed input (400 material) from a proof that does not hold (tampering material).
"""

from __future__ import annotations

__all__ = [
    "AuditError",
    "MalformedError",
    "ProofError",
    "SignatureError",
    "StoreError",
]


class AuditError(Exception):
    """Base class of every error raised by ``audit``."""


class MalformedError(AuditError, ValueError):
    """Text or bytes that are not in the shape their specification requires.

    Raised for hashes that are not 32 bytes, bad base64, malformed notes, keys, checkpoints,
    tlog-proof files and tile paths, and for sizes or indexes outside their range.
    """


class ProofError(AuditError):
    """A well-formed inclusion or consistency proof that does not prove what it claims."""


class SignatureError(AuditError):
    """A signed note with a bad signature from a known key, or no verifiable signature."""


class StoreError(AuditError):
    """A hash reader returned the wrong number of hashes or lacks a requested hash."""
