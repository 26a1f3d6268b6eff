"""C2SP checkpoints (``c2sp.org/tlog-checkpoint``): the signed statement of a log's root.

The body is at least three non-empty lines: the log's origin, the tree size in decimal with
no leading zeroes, and the root hash in base64, then optional non-empty extension lines
(§"Note text"). It is carried as a signed note (:mod:`audit.note`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from audit.errors import MalformedError
from audit.merkle import Hash, as_hash, format_hash, parse_hash
from audit.note import Note, Signer, Verifier, open_note, sign_note

__all__ = [
    "Checkpoint",
    "format_checkpoint",
    "open_checkpoint",
    "parse_checkpoint",
    "parse_size",
    "sign_checkpoint",
]


@dataclass(frozen=True)
class Checkpoint:
    """A log's origin, its size and the root hash of its first ``size`` entries."""

    origin: str
    size: int
    root_hash: Hash
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a checkpoint that could not be written in the C2SP format."""
        if not self.origin or "\n" in self.origin:
            raise MalformedError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise MalformedError(f"checkpoint size must not be negative, got {self.size}")
        as_hash(self.root_hash, "checkpoint root hash")
        for line in self.extensions:
            if not line or "\n" in line:
                raise MalformedError("checkpoint extension lines must be single non-empty lines")


def parse_size(text: str, what: str = "tree size") -> int:
    """Parse an ASCII decimal with no leading zeroes (``0`` alone is allowed)."""
    if not text or not text.isascii() or not text.isdigit() or (text[0] == "0" and text != "0"):
        raise MalformedError(f"{what} must be a decimal with no leading zeroes, got {text!r}")
    return int(text)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The checkpoint body (the note text), ending in a newline."""
    lines = [
        checkpoint.origin,
        str(checkpoint.size),
        format_hash(checkpoint.root_hash),
        *checkpoint.extensions,
    ]
    return "\n".join(lines) + "\n"


def parse_checkpoint(text: str, origin: str | None = None) -> Checkpoint:
    """Parse a checkpoint body (tlog-checkpoint §"Note text").

    With ``origin`` given, a body naming any other log is refused: a verifier must not
    accept a checkpoint of another log signed by a key it happens to trust.
    """
    if not text.endswith("\n"):
        raise MalformedError("checkpoint must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise MalformedError("checkpoint must be at least three non-empty lines")
    if origin is not None and lines[0] != origin:
        raise MalformedError(f"checkpoint is for log {lines[0]!r}, expected {origin!r}")
    return Checkpoint(
        origin=lines[0],
        size=parse_size(lines[1]),
        root_hash=parse_hash(lines[2], "checkpoint root hash"),
        extensions=tuple(lines[3:]),
    )


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """Return the checkpoint as a signed note, signed by the log's key."""
    return sign_note(format_checkpoint(checkpoint), [signer])


def open_checkpoint(
    note: str | bytes, verifiers: Iterable[Verifier], origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint and parse its body.

    Signatures are checked first (a note's text means nothing until a trusted key signed
    it), then the body is parsed, with its origin checked when ``origin`` is given.
    """
    opened = open_note(note, verifiers)
    return parse_checkpoint(opened.text, origin), opened
