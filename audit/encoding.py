"""Strict standard base64 (RFC 4648 §4), the one text encoding of hashes, keys and signatures.

Strict means canonical: the padding is exact and the unused low bits of the last character
are zero, so each byte string has exactly one accepted text. Without that, a changed last
character can decode to the same bytes, and "any changed byte fails verification" would not
hold for notes, checkpoints and proofs.
"""

from __future__ import annotations

import base64
import binascii

from audit.errors import MalformedError

__all__ = ["b64decode_strict", "b64encode"]


def b64decode_strict(text: str, what: str) -> bytes:
    """Decode canonical standard base64 or raise :class:`MalformedError` naming ``what``."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedError(f"{what} is not standard base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedError(f"{what} is not in canonical base64")
    return raw


def b64encode(data: bytes) -> str:
    """Encode bytes as standard base64 text."""
    return base64.b64encode(data).decode("ascii")
