"""Sign-in codes and what people type: the pure rules of emailed sign-in.

One secret serves as both the link (``/sign-in/code?code=…``) and the short code a member
types on another device: ten characters of Crockford's base32 (50 random bits), shown as
``ABCDE-FGHJK``. Typing is forgiving (case, spaces, hyphens, ``O`` for ``0``, ``I``/``L`` for
``1``). The database keeps only a SHA-256 of the code; a code is good once, for the link
lifetime (15 minutes by default). Guessing is bounded by the per-address limit on the code
form, never by anything that names a member, so no one can lock a member out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

__all__ = [
    "CODE_LENGTH",
    "code_digest",
    "display_code",
    "is_expired",
    "new_code",
    "normalise_code",
    "normalise_target",
]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def new_code() -> str:
    """A fresh sign-in code (``CODE_LENGTH`` characters, 5 random bits each)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """The code as the mail shows it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"


def normalise_code(typed: str) -> str | None:
    """The code someone typed or a link carried, in canonical form; None if it cannot be one."""
    code = re.sub(r"[\s-]", "", typed).upper().translate(_TYPO)
    if len(code) != CODE_LENGTH or any(c not in _ALPHABET for c in code):
        return None
    return code


def code_digest(code: str) -> str:
    """What the database keeps of a code."""
    return hashlib.sha256(f"plenary sign-in code:{code}".encode()).hexdigest()


def is_expired(expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a code ending at ``expires_at`` is past its time ``now``."""
    return now >= expires_at


def normalise_target(typed: str) -> tuple[str, str] | None:
    """``("email", address)`` or ``("number", membership number)`` from what a member typed
    into the sign-in form; None when it is empty or too long to be either."""
    text = typed.strip()
    if not text or len(text) > 320:
        return None
    if _EMAIL.match(text):
        return ("email", text.lower())
    if len(text) > 64 or any(c.isspace() for c in text):
        return None
    return ("number", text)
