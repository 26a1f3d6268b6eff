"""Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519) and the add-checkpoint protocol
(c2sp.org/tlog-witness), independent of any HTTP server or database.

A witness is a separate party with its own key and its own state. It cosigns a checkpoint of a
log it follows only when the checkpoint is signed by a log key it trusts and a consistency
proof shows it extends the last checkpoint it cosigned for that log; so a log that shows two
different trees to two people cannot get both cosigned by the same witness.

* Cosigner keys: ``<name>+<8 hex id>+base64(0x04 || 32-byte public key)`` (verifier) and
  ``PRIVATE+KEY+<name>+<id>+base64(0x04 || seed)`` (signer), key id
  ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``.
* A cosignature line is ``— <name> base64(key id || u64 timestamp || Ed25519 signature)``
  over ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint's note body.

Needs only the standard library and ``cryptography`` (as ``audit.note``): an auditor runs a
witness and checks cosignatures without the service.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.checkpoint import Checkpoint, parse_checkpoint
from audit.encoding import b64decode_strict, b64encode
from audit.errors import AuditError, MalformedError
from audit.merkle import Hash, as_hash
from audit.note import Verifier, open_note
from audit.proofs import check_consistency

__all__ = [
    "ALG_COSIGNATURE_V1",
    "MAX_PROOF_LINES",
    "AddCheckpoint",
    "CosignerKey",
    "CosignerVerifier",
    "Reply",
    "add_checkpoint",
    "cosignature_line",
    "count_cosigners",
    "format_add_checkpoint",
    "generate_cosigner_key",
    "note_body",
    "parse_add_checkpoint",
    "parse_cosigner_key",
    "parse_cosigner_verifier",
    "verify_cosignature",
    "witness_quorum",
]

ALG_COSIGNATURE_V1: Final = 0x04
MAX_PROOF_LINES: Final = 63
_PRIVATE: Final = "PRIVATE+KEY+"
_DASH: Final = "— "


def _key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise MalformedError(f"a cosigner name has no spaces and no '+', got {name!r}")


@dataclass(frozen=True)
class CosignerVerifier:
    """A witness's public key under its name: what an auditor passes as ``--witness``."""

    name: str
    key_id: int
    public_key: bytes

    def key_string(self) -> str:
        raw = b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{raw}"


@dataclass(frozen=True)
class CosignerKey:
    """A witness's private key under its name."""

    name: str
    seed: bytes

    @property
    def public_key(self) -> bytes:
        return (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    def verifier(self) -> CosignerVerifier:
        public = self.public_key
        return CosignerVerifier(self.name, _key_id(self.name, public), public)

    def key_string(self) -> str:
        raw = b64encode(bytes([ALG_COSIGNATURE_V1]) + self.seed)
        return f"{_PRIVATE}{self.name}+{self.verifier().key_id:08x}+{raw}"


def generate_cosigner_key(name: str) -> CosignerKey:
    """A fresh witness key named ``name``."""
    _check_name(name)
    return CosignerKey(name, os.urandom(32))


def _split_key(text: str, what: str) -> tuple[str, int, bytes]:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise MalformedError(f"{what} must be name+id+base64, got {text!r}")
    name, hex_id, raw64 = parts
    _check_name(name)
    if len(hex_id) != 8 or any(c not in "0123456789abcdefABCDEF" for c in hex_id):
        raise MalformedError(f"{what} key id must be 8 hex digits, got {hex_id!r}")
    raw = b64decode_strict(raw64, what)
    if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
        raise MalformedError(f"{what} must be a cosignature/v1 (0x04) Ed25519 key")
    return name, int(hex_id, 16), raw[1:]


def parse_cosigner_verifier(text: str) -> CosignerVerifier:
    """Parse a witness verifier key, checking the id matches the name and key."""
    name, key_id, public = _split_key(text, "witness key")
    if _key_id(name, public) != key_id:
        raise MalformedError(f"witness key id {key_id:08x} does not match the key")
    return CosignerVerifier(name, key_id, public)


def parse_cosigner_key(text: str) -> CosignerKey:
    """Parse a witness private key ``PRIVATE+KEY+name+id+base64(0x04 || seed)``."""
    if not text.startswith(_PRIVATE):
        raise MalformedError("a witness private key starts with PRIVATE+KEY+")
    name, key_id, seed = _split_key(text[len(_PRIVATE) :], "witness private key")
    key = CosignerKey(name, seed)
    if key.verifier().key_id != key_id:
        raise MalformedError(f"witness private key id {key_id:08x} does not match the key")
    return key


def note_body(note: str) -> str:
    """The note's text up to and including the blank line's first newline."""
    end = note.find("\n\n")
    if end < 0:
        raise MalformedError("a signed note has a blank line before its signatures")
    return note[: end + 1]


def _message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosignature_line(key: CosignerKey, body: str, timestamp: int) -> str:
    """The cosignature line (ending in a newline) of ``key`` over a checkpoint body."""
    if not 0 <= timestamp < 2**63:
        raise MalformedError(f"a cosignature timestamp must be in [0, 2^63), got {timestamp}")
    signature = Ed25519PrivateKey.from_private_bytes(key.seed).sign(_message(body, timestamp))
    raw = key.verifier().key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
    return f"{_DASH}{key.name} {b64encode(raw)}\n"


def verify_cosignature(note: str, witness: CosignerVerifier) -> int | None:
    """The timestamp of ``witness``'s valid cosignature on ``note``, or None if it has none.

    Raises :class:`MalformedError` when the witness's line is there but its signature is bad
    (a forged cosignature is an error, not an absence).
    """
    body = note_body(note)
    prefix = f"{_DASH}{witness.name} "
    for line in note[len(body) + 1 :].splitlines():
        if not line.startswith(prefix):
            continue
        try:
            raw = base64.b64decode(line[len(prefix) :], validate=True)
        except binascii.Error:
            continue
        if len(raw) != 76 or int.from_bytes(raw[:4], "big") != witness.key_id:
            continue
        timestamp = int.from_bytes(raw[4:12], "big")
        try:
            Ed25519PublicKey.from_public_bytes(witness.public_key).verify(
                raw[12:], _message(body, timestamp)
            )
        except InvalidSignature:
            raise MalformedError(
                f"the cosignature of witness {witness.name} is not valid"
            ) from None
        return timestamp
    return None


def count_cosigners(note: str, witnesses: Iterable[CosignerVerifier]) -> list[str]:
    """The names of the given witnesses that validly cosigned ``note``."""
    return [w.name for w in witnesses if verify_cosignature(note, w) is not None]


def witness_quorum(
    note: str, witnesses: Sequence[CosignerVerifier], need: int | None
) -> tuple[bool, str]:
    """Whether at least ``need`` (all when None) of ``witnesses`` validly cosigned ``note``,
    and a sentence saying so for a person. Cost: one Ed25519 verification per witness."""
    want = len(witnesses) if need is None else need
    if want < 1:
        return False, "--witnesses must be at least 1"
    if want > len(witnesses):
        return False, f"{want} cosignatures asked for but only {len(witnesses)} witness keys given"
    cosigned = []
    for witness in witnesses:
        try:
            if verify_cosignature(note, witness) is not None:
                cosigned.append(witness.name)
        except AuditError as exc:
            return False, str(exc)
    if len(cosigned) < want:
        missing = ", ".join(w.name for w in witnesses if w.name not in cosigned)
        return False, (
            f"only {len(cosigned)} of the {want} witness cosignatures you asked for are on the "
            f"checkpoint (none from {missing}): it may be a view shown only to you"
        )
    return True, (
        f"the checkpoint is cosigned by {len(cosigned)} witnesses you named: {', '.join(cosigned)}"
    )


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    """An add-checkpoint request: the old size, the consistency proof, the signed checkpoint."""

    old_size: int
    proof: list[Hash]
    note: str


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The request body of tlog-witness §add-checkpoint."""
    lines = [f"old {old_size}\n", *(b64encode(h) + "\n" for h in proof), "\n"]
    return ("".join(lines) + note).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint request body; :class:`MalformedError` names what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise MalformedError("the request has no empty line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not first[4:].isdigit() or first[4:] != str(int(first[4:])):
        raise MalformedError(f"the first line must be 'old <size>', got {first[:40]!r}")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise MalformedError(f"at most {MAX_PROOF_LINES} consistency proof lines")
    proof = [as_hash(b64decode_strict(line, "proof hash"), "proof hash") for line in lines[1:]]
    return AddCheckpoint(int(first[4:]), proof, note)


@dataclass(frozen=True, slots=True)
class Reply:
    """What to answer: HTTP status, content type, body; ``cosigned`` when a checkpoint was."""

    status: int
    content_type: str
    body: bytes
    cosigned: Checkpoint | None = None


def _text(status: int, message: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (message + "\n").encode())


def add_checkpoint(
    request: AddCheckpoint,
    stored: Checkpoint | None,
    logs: dict[str, Verifier],
    key: CosignerKey,
    timestamp: int,
) -> Reply:
    """Decide an add-checkpoint request against the stored checkpoint for its origin.

    ``logs`` maps each followed log's origin to its key. On 200 the caller must persist
    ``reply.cosigned`` before sending the reply (and atomically with reading ``stored``).
    """
    try:
        body = note_body(request.note)
        checkpoint = parse_checkpoint(body)
    except (AuditError, ValueError) as exc:
        return _text(400, f"not a checkpoint: {exc}")
    log = logs.get(checkpoint.origin)
    if log is None:
        return _text(404, f"this witness does not follow the log {checkpoint.origin!r}")
    try:
        open_note(request.note, [log])
    except AuditError:
        return _text(403, "the checkpoint is not signed by the log's key")
    if request.old_size > checkpoint.size:
        return _text(400, f"old size {request.old_size} is above the checkpoint's size")
    known = 0 if stored is None else stored.size
    if request.old_size != known:
        return Reply(409, "text/x.tlog.size", f"{known}\n".encode())
    if stored is not None and stored.size == checkpoint.size:
        if not hmac.compare_digest(stored.root_hash, checkpoint.root_hash):
            return _text(409, f"a different tree of size {stored.size} was cosigned: a fork")
    elif stored is not None and stored.size > 0:
        try:
            check_consistency(
                request.proof, stored.size, stored.root_hash, checkpoint.size, checkpoint.root_hash
            )
        except AuditError as exc:
            return _text(422, f"the consistency proof does not verify: {exc}")
    elif request.proof:
        return _text(422, "the consistency proof must be empty from size 0")
    line = cosignature_line(key, body, timestamp)
    return Reply(200, "text/plain; charset=utf-8", line.encode(), cosigned=checkpoint)
