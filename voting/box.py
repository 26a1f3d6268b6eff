"""Receipts and the ballot box commitment.

What a receipt is, and why: at casting the voter gets a random 32-byte token ``r``; the service
keeps only ``SHA-256("plenary receipt v1" || contest id || r)`` in a set of receipt hashes that
nothing ties to a ballot or a member. When the contest closes the service commits to the box:

- ``receipts_root``: the RFC 6962 Merkle root over the receipt hashes in byte order (each hash
  is one entry, so a leaf is ``SHA-256(0x00 || receipt hash)``); a voter proves their receipt
  is in it with an inclusion proof;
- ``ballots_digest``: SHA-256 over the ballots' canonical contents in byte order, one per line;
  anyone checks the published ballots against it;
- the number of receipts, of ballots and of voters marked in the electorate, which must agree.

Both go into the signed log. A receipt shows that a ballot was cast and counted for its holder,
not what it said: nothing published links a receipt to a ballot, so a voter cannot use it to
prove to anyone how they voted (and neither can anyone who takes it from them).
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audit.memory import MemoryLog
from audit.merkle import EMPTY_ROOT, Hash, leaf_hash
from audit.proofs import check_inclusion, prove_inclusion
from audit.stored import tree_hash
from schemas.problems import DomainError

__all__ = [
    "BoxCommitment",
    "ReceiptInclusion",
    "ballots_digest",
    "box_commitment",
    "canonical_ballot_order",
    "check_receipt_proof",
    "new_receipt",
    "prove_receipt_hex",
    "receipt_hash",
    "receipt_proof",
    "receipts_root",
    "token_bytes",
]

_DOMAIN = b"plenary receipt v1"


def receipt_hash(contest_id: uuid.UUID, token: bytes) -> bytes:
    """The hash the service keeps (and publishes) for a voter's receipt token."""
    return hashlib.sha256(_DOMAIN + contest_id.bytes + token).digest()


def new_receipt(contest_id: uuid.UUID) -> tuple[str, bytes]:
    """A fresh receipt: the token the voter keeps (base64url) and its hash."""
    token = secrets.token_bytes(32)
    return base64.urlsafe_b64encode(token).decode().rstrip("="), receipt_hash(contest_id, token)


def token_bytes(token: str) -> bytes:
    """The bytes of a base64url receipt token; ``ValueError`` if it is not one."""
    padded = token + "=" * (-len(token) % 4)
    raw = base64.urlsafe_b64decode(padded.encode())
    if len(raw) != 32:
        raise ValueError("a receipt token is 32 bytes in base64url")
    return raw


def canonical_ballot_order(contents: Iterable[bytes]) -> list[bytes]:
    """The ballots in the order they are published and digested: by their bytes."""
    return sorted(contents)


def ballots_digest(contents: Sequence[bytes]) -> str:
    """SHA-256 (hex) over ``contents`` — already in canonical order — one per line."""
    h = hashlib.sha256()
    for content in contents:
        h.update(content)
        h.update(b"\n")
    return h.hexdigest()


def _tree(sorted_hashes: Sequence[bytes]) -> MemoryLog:
    log = MemoryLog()
    if sorted_hashes:
        log.append(sorted_hashes)
    return log


def receipts_root(sorted_hashes: Sequence[bytes]) -> Hash:
    """The Merkle root over receipt hashes in byte order. Cost: about 2 hashes per receipt."""
    if not sorted_hashes:
        return EMPTY_ROOT
    log = _tree(sorted_hashes)
    return tree_hash(log.size, log)


@dataclass(frozen=True, slots=True)
class BoxCommitment:
    """What the service commits to when a contest closes."""

    receipts_root: str
    ballots_digest: str
    receipts: int
    ballots: int


def box_commitment(receipt_hashes: Iterable[bytes], contents: Iterable[bytes]) -> BoxCommitment:
    """The commitment over a closed box (receipts and ballots in any order)."""
    receipts = sorted(receipt_hashes)
    ballots = canonical_ballot_order(contents)
    return BoxCommitment(
        receipts_root=receipts_root(receipts).hex(),
        ballots_digest=ballots_digest(ballots),
        receipts=len(receipts),
        ballots=len(ballots),
    )


def receipt_proof(sorted_hashes: Sequence[bytes], target: bytes) -> tuple[int, list[Hash]]:
    """The index of ``target`` among the sorted receipt hashes and its inclusion proof.

    ``LookupError`` when it is not there. Cost: O(n) to build the tree, O(log n) for the proof.
    """
    index = bisect.bisect_left(sorted_hashes, target)
    if index == len(sorted_hashes) or sorted_hashes[index] != target:
        raise LookupError("that receipt is not in this contest's box")
    log = _tree(sorted_hashes)
    return index, prove_inclusion(log.size, index, log)


@dataclass(frozen=True, slots=True)
class ReceiptInclusion:
    """Where a receipt hash stands among ``size`` sorted hashes, and its proof (hex)."""

    index: int
    size: int
    proof: list[str]


def prove_receipt_hex(
    receipt_hashes: Iterable[bytes], receipt_hash_hex: str, *, where: str
) -> ReceiptInclusion:
    """The inclusion proof of a receipt hash given in hex, among ``receipt_hashes`` (any order):
    what the contest and petition receipt checks answer. ``DomainError`` 400 for a hash that is
    not hex, 404 ("that receipt is not <where>") when it is not there. Cost: O(n log n)."""
    try:
        target = bytes.fromhex(receipt_hash_hex)
    except ValueError:
        raise DomainError("the receipt hash must be 64 hex digits", status=400) from None
    hashes = sorted(bytes(h) for h in receipt_hashes)
    try:
        index, proof = receipt_proof(hashes, target)
    except LookupError:
        raise DomainError(
            f"that receipt is not {where}", status=404, title="Receipt not found"
        ) from None
    return ReceiptInclusion(index=index, size=len(hashes), proof=[p.hex() for p in proof])


def check_receipt_proof(
    receipt_hash_: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check a receipt's inclusion in the box root; raises ``audit.errors.ProofError`` if not."""
    check_inclusion(proof, size, root, index, leaf_hash(receipt_hash_))
