"""C2SP signed notes (``c2sp.org/signed-note``) with Ed25519 keys, as Go's ``sumdb/note``.

A note is UTF-8 text ending in a newline, a blank line, then one or more lines
``— <key name> base64(4-byte key id || signature)``. Keys are written as strings:

* verifier key ``<name>+<8 hex key id>+base64(0x01 || 32-byte public key)``;
* signer key ``PRIVATE+KEY+<name>+<8 hex key id>+base64(0x01 || 32-byte seed)``;

with ``key id = SHA-256(name || 0x0A || 0x01 || public key)[:4]`` (§"Ed25519 signatures").
Opening a note verifies every signature from a known key, ignores unknown keys, rejects the
whole note if a known key's signature is bad, and rejects it if no known key signed it
(§"Signatures").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.encoding import b64decode_strict, b64encode
from audit.errors import MalformedError, SignatureError

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "Signer",
    "Verifier",
    "generate_signer_key",
    "key_id",
    "open_note",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
]

ALG_ED25519: Final = 0x01
"""Signature type byte for Ed25519 (signed-note §"Signature types")."""

MAX_SIGNATURES: Final = 100
"""Signature lines read before a note is refused (the spec asks for at least 16; Go uses 100)."""

_SIGNATURE_PREFIX: Final = "— "
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"


def _is_valid_name(name: str) -> bool:
    """Key names are non-empty, with no Unicode space and no ``+`` (signed-note §"Format")."""
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def key_id(name: str, public_key: bytes) -> int:
    """Return the key id of an Ed25519 key: ``SHA-256(name || 0x0A || 0x01 || key)[:4]``.

    signed-note §"Ed25519 signatures", read big-endian. Cost: one hash.
    """
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _parse_key_id(text: str, what: str) -> int:
    if len(text) != 8 or any(ch not in "0123456789abcdefABCDEF" for ch in text):
        raise MalformedError(f"{what} key id must be 8 hex digits, got {text!r}")
    return int(text, 16)


@dataclass(frozen=True)
class Verifier:
    """A known Ed25519 public key under a name: what an auditor pins."""

    name: str
    key_id: int
    public_key: bytes

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def key_string(self) -> str:
        """The verifier key string ``name+hexid+base64(0x01 || key)``."""
        raw = b64encode(bytes([ALG_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{raw}"


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key under a name: what the log holds to sign its checkpoints."""

    name: str
    key_id: int
    seed: bytes = field(repr=False)
    record: Path | None = field(default=None, compare=False)
    """Where this signer keeps the last checkpoint it signed (``audit.last_signed``); a
    signer with a record never signs a tree that does not extend it."""

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``message`` (RFC 8032, deterministic)."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    def verifier(self) -> Verifier:
        """The matching public key, to publish and pin."""
        public = (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return Verifier(self.name, self.key_id, public)

    def key_string(self) -> str:
        """The signer key string ``PRIVATE+KEY+name+hexid+base64(0x01 || seed)``: keep secret."""
        raw = b64encode(bytes([ALG_ED25519]) + self.seed)
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id:08x}+{raw}"


def parse_verifier_key(text: str) -> Verifier:
    """Parse ``name+hexid+base64(0x01 || 32-byte key)``, checking the id matches the key.

    The base64 part may itself contain ``+``, so the string is split at the first two only.
    """
    parts = text.split("+", 2)
    if len(parts) != 3 or not _is_valid_name(parts[0]):
        raise MalformedError(f"malformed verifier key {text!r}")
    name, id_text, key_text = parts
    claimed = _parse_key_id(id_text, "verifier")
    raw = b64decode_strict(key_text, "verifier key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise MalformedError(f"verifier key {name} is not a 32-byte Ed25519 key")
    public = raw[1:]
    if key_id(name, public) != claimed:
        raise MalformedError(f"verifier key {name}: key id {id_text} does not match the key")
    return Verifier(name, claimed, public)


def parse_signer_key(text: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+hexid+base64(0x01 || 32-byte seed)``, checking the key id."""
    if not text.startswith(_PRIVATE_PREFIX):
        raise MalformedError("a signer key starts with PRIVATE+KEY+")
    parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
    if len(parts) != 3 or not _is_valid_name(parts[0]):
        raise MalformedError("malformed signer key")
    name, id_text, key_text = parts
    claimed = _parse_key_id(id_text, "signer")
    raw = b64decode_strict(key_text, "signer key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise MalformedError(f"signer key {name} is not a 32-byte Ed25519 seed")
    signer = Signer(name, claimed, raw[1:])
    if key_id(name, signer.verifier().public_key) != claimed:
        raise MalformedError(f"signer key {name}: key id {id_text} does not match the key")
    return signer


def generate_signer_key(name: str) -> tuple[str, str]:
    """Generate a new Ed25519 key; return ``(signer key string, verifier key string)``.

    Uses the operating system's randomness through ``cryptography``.
    """
    if not _is_valid_name(name):
        raise MalformedError(f"key name {name!r} must be non-empty, without spaces or '+'")
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signer = Signer(name, key_id(name, public), seed)
    return signer.key_string(), signer.verifier().key_string()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key's name and id and the base64 of ``id || signature``."""

    name: str
    key_id: int
    base64: str

    def line(self) -> str:
        """The signature line as it appears in a note, newline included."""
        return f"{_SIGNATURE_PREFIX}{self.name} {self.base64}\n"


@dataclass(frozen=True)
class Note:
    """An opened note: its text and which signatures were verified or could not be."""

    text: str
    signatures: tuple[NoteSignature, ...]
    """Signatures by known keys, all verified."""
    unverified: tuple[NoteSignature, ...] = ()
    """Signatures by keys the reader does not know, kept (for cosigning) but not trusted."""


def sign_note(text: str, signers: Iterable[Signer], keep: Iterable[NoteSignature] = ()) -> str:
    """Sign ``text`` with each signer and return the signed note.

    ``keep`` carries signatures already on the note (a witness cosigning); a kept signature
    by a key that signs again here is dropped. The text must end in a newline and be a valid
    note text. Cost: one Ed25519 signature per signer.
    """
    _check_text(text)
    if not text.endswith("\n"):
        raise MalformedError("note text must end in a newline")
    message = text.encode()
    new: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    for signer in signers:
        if not _is_valid_name(signer.name):
            raise MalformedError(f"invalid signer name {signer.name!r}")
        if (signer.name, signer.key_id) in seen:
            raise MalformedError(f"duplicate signer {signer.name}+{signer.key_id:08x}")
        seen.add((signer.name, signer.key_id))
        raw = signer.key_id.to_bytes(4, "big") + signer.sign(message)
        new.append(NoteSignature(signer.name, signer.key_id, b64encode(raw)))
    kept = [s for s in keep if (s.name, s.key_id) not in seen]
    if not kept and not new:
        raise MalformedError("a signed note needs at least one signature")
    return text + "\n" + "".join(s.line() for s in [*kept, *new])


def _check_text(text: str) -> None:
    """Notes are UTF-8 with no ASCII control character other than newline."""
    for ch in text:
        if ch < " " and ch != "\n":
            raise MalformedError(f"note contains control character {ch!r}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedError("note is not valid UTF-8") from exc


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> Note:
    """Parse a signed note and verify it against the known keys (signed-note §"Signatures").

    Unknown keys are ignored (kept in :attr:`Note.unverified`); repeated signatures are
    dropped; a bad signature by a known key raises :class:`SignatureError`, as does a note
    with no signature from a known key. Malformed notes raise :class:`MalformedError`.
    Cost: one Ed25519 verification per distinct known signature, at most 100 lines read.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedError("note is not valid UTF-8") from exc
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedError("note signatures must be present and end in a newline")
    known = {(v.name, v.key_id): v for v in verifiers}
    message = text.encode()
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    seen_unknown: set[str] = set()
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedError(f"note has more than {MAX_SIGNATURES} signatures")
    for line in lines:
        if not line.startswith(_SIGNATURE_PREFIX):
            raise MalformedError(f"not a signature line: {line[:40]!r}")
        name, _, b64 = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        if not _is_valid_name(name) or not b64:
            raise MalformedError(f"malformed signature line: {line[:40]!r}")
        raw = b64decode_strict(b64, f"signature by {name}")
        if len(raw) < 5:
            raise MalformedError(f"signature by {name} is too short")
        signature = NoteSignature(name, int.from_bytes(raw[:4], "big"), b64)
        key = (signature.name, signature.key_id)
        verifier = known.get(key)
        if verifier is None:
            if line not in seen_unknown:
                seen_unknown.add(line)
                unverified.append(signature)
            continue
        if key in seen:
            continue
        seen.add(key)
        if not verifier.verify(message, raw[4:]):
            raise SignatureError(f"invalid signature for key {name}+{signature.key_id:08x}")
        verified.append(signature)
    if not verified:
        raise SignatureError("note has no verifiable signatures")
    return Note(text, tuple(verified), tuple(unverified))
