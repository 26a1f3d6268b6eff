"""Checking the proofs a person fetched with curl: inclusion and consistency, as the API gives them.

``GET /api/v1/audit/proof/inclusion?index=&size=`` answers ``{"index", "size", "entry",
"leaf_hash", "hashes", "checkpoint"}`` and ``GET /api/v1/audit/proof/consistency?from=&to=``
answers ``{"from", "to", "hashes", "checkpoint"}``, with every hash and entry in standard
base64 and ``checkpoint`` the signed note of that exact size when the log signed one. Nothing
in the file is trusted: an inclusion proof must lead to the root of a checkpoint signed by the
pinned key, and a consistency proof must lead from the checkpoint the auditor saved to one.
"""

from __future__ import annotations

import json
from typing import Any

from audit.checkpoint import open_checkpoint
from audit.encoding import b64decode_strict
from audit.errors import MalformedError, ProofError
from audit.merkle import Hash, as_hash, leaf_hash
from audit.note import Verifier
from audit.proofs import check_inclusion
from audit.verify import check_checkpoint_update

__all__ = ["check_proof_document", "describe_entry"]


def describe_entry(entry: bytes) -> str:
    """A short, person-readable name for a log entry: its type and time, if it has them."""
    try:
        document = json.loads(entry)
    except ValueError:
        return f"{len(entry)} bytes that are not JSON"
    if isinstance(document, dict) and "type" in document:
        return f"{document.get('type')} at {document.get('at', 'an unknown time')}"
    return f"{len(entry)} bytes of JSON"


def _int(document: dict[str, Any], name: str) -> int:
    value = document.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedError(f"the proof's {name!r} must be a whole number, got {value!r}")
    return value


def _hashes(document: dict[str, Any]) -> list[Hash]:
    hashes = document.get("hashes")
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise MalformedError("the proof's 'hashes' must be a list of base64 strings")
    return [
        as_hash(b64decode_strict(h, f"proof hash {i}"), f"proof hash {i}")
        for i, h in enumerate(hashes)
    ]


def _note(document: dict[str, Any], fallback: str | None) -> str | None:
    note = document.get("checkpoint")
    if note is not None and not isinstance(note, str):
        raise MalformedError("the proof's 'checkpoint' must be a signed note or null")
    return note or fallback


def _check_inclusion(
    document: dict[str, Any], verifier: Verifier, origin: str, checkpoint_note: str | None
) -> str:
    index, size = _int(document, "index"), _int(document, "size")
    if not isinstance(document.get("entry"), str):
        raise MalformedError("the inclusion proof must carry the entry, in base64")
    entry = b64decode_strict(document["entry"], "the proof's entry")
    leaf = leaf_hash(entry)
    if "leaf_hash" in document:
        claimed = b64decode_strict(str(document["leaf_hash"]), "the proof's leaf_hash")
        if claimed != leaf:
            raise ProofError("the proof's leaf_hash is not SHA-256(0x00 || entry)")
    note = _note(document, checkpoint_note)
    if note is None:
        raise MalformedError(f"no signed checkpoint of size {size} to check the proof against")
    checkpoint, _ = open_checkpoint(note, [verifier], origin)
    if checkpoint.size != size:
        raise MalformedError(
            f"the proof is for a tree of {size} entries but the checkpoint is for "
            f"{checkpoint.size}: fetch the proof with &size={checkpoint.size}"
        )
    check_inclusion(_hashes(document), size, checkpoint.root_hash, index, leaf)
    return f"entry {index} ({describe_entry(entry)}) is in the signed log of {size} entries"


def _check_consistency(
    document: dict[str, Any],
    verifier: Verifier,
    origin: str,
    checkpoint_note: str | None,
    since_note: str | None,
) -> str:
    old_size, new_size = _int(document, "from"), _int(document, "to")
    if since_note is None:
        raise MalformedError(
            "a consistency proof is checked from the checkpoint you saved last time: "
            "give it with --since FILE"
        )
    note = _note(document, checkpoint_note)
    if note is None:
        raise MalformedError(f"no signed checkpoint of size {new_size} to check the proof against")
    previous, _ = open_checkpoint(since_note, [verifier], origin)
    if previous.size != old_size:
        raise MalformedError(
            f"the proof starts at size {old_size} but your saved checkpoint is for "
            f"{previous.size}: fetch the proof with from={previous.size}"
        )
    checkpoint = check_checkpoint_update(since_note, note, _hashes(document), verifier, origin)
    if checkpoint.size != new_size:
        raise MalformedError(
            f"the proof ends at size {new_size} but the checkpoint is for {checkpoint.size}: "
            f"fetch the proof with to={checkpoint.size}"
        )
    return (
        f"the signed log of {new_size} entries extends your saved checkpoint of {old_size}: "
        "nothing in it was removed or rewritten"
    )


def check_proof_document(
    text: str | bytes,
    verifier: Verifier,
    origin: str,
    *,
    checkpoint_note: str | None = None,
    since_note: str | None = None,
) -> str:
    """Check one proof as the API serves it; return what it proved, in words.

    ``checkpoint_note`` is the signed checkpoint to use when the proof carries none;
    ``since_note`` is the checkpoint saved last time (needed for a consistency proof).
    Raises :class:`audit.errors.AuditError` when the proof is malformed or does not hold.
    Cost: one or two Ed25519 verifications and ``log2(size)`` hashes.
    """
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise MalformedError(f"not a JSON proof: {exc}") from None
    if not isinstance(document, dict):
        raise MalformedError("a proof is a JSON object")
    if "index" in document:
        return _check_inclusion(document, verifier, origin, checkpoint_note)
    if "from" in document:
        return _check_consistency(document, verifier, origin, checkpoint_note, since_note)
    raise MalformedError("not an inclusion proof (no 'index') nor a consistency proof (no 'from')")
