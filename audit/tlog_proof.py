"""C2SP transparency log proofs (``c2sp.org/tlog-proof@v1``): portable, offline receipts.

A ``.tlog-proof`` file says "entry ``index`` is in this log" and carries everything needed to
check it without the server: the index, the inclusion proof (leaf's sibling first) and the
log's signed checkpoint, verbatim (§"Format")::

    c2sp.org/tlog-proof@v1
    extra <base64>            (optional, unauthenticated)
    index <decimal>
    <base64 hash>             (zero or more)
    <empty line>
    <signed checkpoint>

The entry itself is not in the file: the holder supplies it (or its leaf hash) when checking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from audit.checkpoint import Checkpoint, open_checkpoint, parse_size
from audit.encoding import b64decode_strict, b64encode
from audit.errors import MalformedError
from audit.merkle import Hash, as_hash, format_hash, leaf_hash, parse_hash
from audit.note import Verifier
from audit.proofs import check_inclusion

__all__ = [
    "TLOG_PROOF_HEADER",
    "TlogProof",
    "check_tlog_proof",
    "format_tlog_proof",
    "parse_tlog_proof",
]

TLOG_PROOF_HEADER: Final = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    """An entry's index, its inclusion proof and the signed checkpoint the proof leads to."""

    index: int
    inclusion_proof: tuple[Hash, ...]
    checkpoint_note: str
    """The log's signed checkpoint, verbatim, signatures included."""
    extra: bytes | None = None
    """Opaque application data; not authenticated, so never trusted by :func:`check_tlog_proof`."""


def format_tlog_proof(proof: TlogProof) -> str:
    """Write the proof in the ``c2sp.org/tlog-proof@v1`` text format."""
    if proof.index < 0:
        raise MalformedError(f"entry index must not be negative, got {proof.index}")
    lines = [TLOG_PROOF_HEADER]
    if proof.extra is not None:
        lines.append("extra " + b64encode(proof.extra))
    lines.append(f"index {proof.index}")
    lines.extend(format_hash(as_hash(h, "inclusion proof hash")) for h in proof.inclusion_proof)
    return "\n".join(lines) + "\n\n" + proof.checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    """Read a ``c2sp.org/tlog-proof@v1`` file; the checkpoint is kept verbatim, unverified."""
    head, sep, checkpoint_note = text.partition("\n\n")
    if not sep or not checkpoint_note:
        raise MalformedError("tlog-proof needs an empty line and a checkpoint after the proof")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise MalformedError(f"tlog-proof must start with {TLOG_PROOF_HEADER}")
    at = 1
    extra = None
    if at < len(lines) and lines[at].startswith("extra "):
        extra = b64decode_strict(lines[at][len("extra ") :], "tlog-proof extra data")
        at += 1
    if at >= len(lines) or not lines[at].startswith("index "):
        raise MalformedError("tlog-proof must give the entry index after its header")
    index = parse_size(lines[at][len("index ") :], "entry index")
    hashes = tuple(parse_hash(line, "inclusion proof hash") for line in lines[at + 1 :])
    return TlogProof(index, hashes, checkpoint_note, extra)


def check_tlog_proof(
    proof: TlogProof,
    verifiers: Iterable[Verifier],
    origin: str,
    *,
    entry: bytes | None = None,
    entry_leaf_hash: bytes | None = None,
) -> Checkpoint:
    """Check that the entry (or its leaf hash) is at ``proof.index`` in the signed log.

    Verifies the checkpoint's signatures against the pinned keys, its origin, then the
    inclusion proof (RFC 9162 §2.1.3.2). Returns the checkpoint it was checked against.
    Cost: one Ed25519 verification per known signature and ``log2(size)`` hashes.
    """
    if (entry is None) == (entry_leaf_hash is None):
        raise MalformedError("give exactly one of entry or entry_leaf_hash")
    target = leaf_hash(entry) if entry is not None else as_hash(entry_leaf_hash or b"")
    checkpoint, _ = open_checkpoint(proof.checkpoint_note, verifiers, origin)
    hashes: Sequence[Hash] = proof.inclusion_proof
    check_inclusion(hashes, checkpoint.size, checkpoint.root_hash, proof.index, target)
    return checkpoint
