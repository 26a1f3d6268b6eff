"""Per-volunteer commitments: what binds a ticket in the published pool to one member.

The pool is published by ticket, so that nobody learns who volunteered; but a ticket alone
does not say whose it is, and a returning officer could otherwise name any member as the
holder of a ticket the draw seated. So each volunteer gets, on joining, a random ``salt``
(16 bytes, hex) and the pool's commitment, logged before the randomness exists, lists for each
ticket

    commitment = SHA-256( UTF-8 of JSON ["plenary sortition entry v1", salt, number, ticket] )

(the JSON array written with ``,`` and ``:`` and no spaces, strings as themselves in UTF-8;
hex in lower case). The list is sorted by ticket, and its own digest, SHA-256 of the UTF-8 of
``[{"commitment": …, "ticket": …}, …]`` written the same way with keys sorted, goes into the
seed. A volunteer recomputes their commitment from their receipt (salt, ticket) and their
membership number and finds it in the list; the record opens the commitments of the panel
(their salts beside their numbers), so ``plenary verify-draw`` sees a changed number at once.
Nobody can learn a volunteer's number from a commitment without the salt.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "ENTRY_FORMAT",
    "entries_digest",
    "entry_commitment",
    "entry_problems",
    "new_salt",
]

ENTRY_FORMAT = "plenary sortition entry v1"


def new_salt() -> str:
    """A fresh salt: 16 random bytes, hex."""
    return secrets.token_hex(16)


def entry_commitment(salt: str, number: str, ticket: str) -> str:
    """The commitment binding ``ticket`` to membership ``number`` under ``salt`` (hex)."""
    text = json.dumps([ENTRY_FORMAT, salt, number, ticket], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entries_digest(entries: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 (hex) of the entries in ticket order, as the module docstring writes them."""
    rows = sorted(
        ({"commitment": str(e["commitment"]), "ticket": str(e["ticket"])} for e in entries),
        key=lambda e: e["ticket"],
    )
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_problems(
    entries: Iterable[Mapping[str, Any]], tickets: Iterable[str], panel: Iterable[Mapping[str, Any]]
) -> list[str]:
    """What is wrong with ``entries`` as the commitments of a pool of ``tickets`` whose
    ``panel`` (ticket, membership_number, salt) was drawn; empty when nothing.

    Every ticket in the pool has exactly one entry and there are no others; every panel
    member's salt and number open their ticket's commitment. Cost: one SHA-256 per seat.
    """
    problems = []
    by_ticket: dict[str, str] = {}
    for entry in entries:
        ticket = str(entry.get("ticket"))
        if ticket in by_ticket:
            problems.append(f"ticket {ticket} has two commitments")
        by_ticket[ticket] = str(entry.get("commitment"))
    pool = set(tickets)
    missing = sorted(pool - set(by_ticket))
    extra = sorted(set(by_ticket) - pool)
    if missing:
        problems.append(f"tickets in the pool with no commitment: {', '.join(missing)}")
    if extra:
        problems.append(f"commitments for tickets not in the pool: {', '.join(extra)}")
    for seat in panel:
        ticket = str(seat.get("ticket"))
        number = str(seat.get("membership_number"))
        salt = seat.get("salt")
        if not isinstance(salt, str):
            problems.append(f"ticket {ticket} ({number}) on the panel has no salt to open it")
            continue
        if entry_commitment(salt, number, ticket) != by_ticket.get(ticket):
            problems.append(
                f"ticket {ticket} was not committed to member {number}: the panel names "
                "someone other than the volunteer who held it"
            )
    return problems
