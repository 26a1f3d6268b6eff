"""The audit bundle of a published contest: one JSON document an auditor checks offline.

It holds everything needed to recount the contest and to tie each figure to the signed log,
and nothing that names a voter in a secret contest (see ``docs/THREAT_MODEL.md``):

- ``manifest``: the contest as defined (``voting.definition.manifest``) and its digest;
- ``roll``: the roll commitment (snapshot, roll digest, electorate size, number who voted);
- ``ballots``: the anonymised ballots' canonical contents, in canonical (byte) order;
- ``roll_call``: in recorded contests only, who voted how (membership numbers and ballots);
- ``box``: the box commitment, with the sorted receipt hashes it is a Merkle root over;
- ``result``: the result document (outcome or elected, figures, transcript) and its digest;
- ``log``: the contest's log entries, each with an inclusion proof against a signed checkpoint,
  the checkpoint (a C2SP signed note) and the log's verifier key;
- ``blt``: for ranked contests, the ballots as a BLT file for recounting with other programs.

Encodings: digests named ``sha256:<hex>`` where the contest API names them so (manifest,
result), bare hex otherwise (roll, receipts root, ballots digest, receipt hashes), as in
``schemas.contests.ContestOut``; log hashes in standard base64, as in C2SP checkpoints and
``tlog-proof``. Run ``python -m schemas.bundle`` to rewrite ``schemas/json/bundle.schema.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import msgspec

from schemas.documents import json_schema_text

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_SCHEMA_PATH",
    "BallotContent",
    "BoxCommitmentDoc",
    "Bundle",
    "LogEntryProof",
    "LogEvidence",
    "RecordedVote",
    "RollCommitment",
    "bundle_json_schema",
    "decode_bundle",
    "encode_bundle",
]

BUNDLE_FORMAT: Final = "plenary.bundle/v1"
"""The value of ``format`` in every bundle this version writes and reads."""

BUNDLE_SCHEMA_PATH: Final = Path(__file__).resolve().parent / "json" / "bundle.schema.json"

Hex64 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
Digest = Annotated[str, msgspec.Meta(pattern=r"^sha256:[0-9a-f]{64}$")]
Count = Annotated[int, msgspec.Meta(ge=0)]


class BallotContent(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, kw_only=True):
    """One ballot as stored: ``{"choice": "for"}`` (motions: for/against/abstain; recalls:
    yes/no/abstain) or ``{"ranking": [2, 0, 1]}`` (positions on the ballot paper, first
    preference first). Its canonical JSON is the byte string that is ordered and digested."""

    choice: str | None = None
    ranking: list[int] | None = None
    weight: (
        Annotated[
            int,
            msgspec.Meta(ge=2, description="card votes: what this ballot counts for (1 left out)"),
        ]
        | None
    ) = None


class RollCommitment(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, kw_only=True):
    """The electorate frozen when the contest opened, and how many of it voted; in a card vote,
    also the electorate's total weight."""

    snapshot: Annotated[int, msgspec.Meta(description="id of the member roll snapshot")]
    roll_digest: Annotated[Hex64, msgspec.Meta(description="SHA-256 of that roll snapshot")]
    electorate: Count
    voters: Count
    electorate_weight: (
        Annotated[int, msgspec.Meta(ge=0, description="card votes: the electorate's total weight")]
        | None
    ) = None


class RecordedVote(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """In a recorded (roll-call) contest: one member and the ballot they cast."""

    member: Annotated[str, msgspec.Meta(description="membership number")]
    ballot: BallotContent


class BoxCommitmentDoc(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The box commitment logged at close (``voting.box``): the RFC 6962 Merkle root over the
    receipt hashes in byte order, SHA-256 over the ballots in canonical order one per line,
    and the counts."""

    receipts_root: Hex64
    ballots_digest: Hex64
    receipts: Count
    ballots: Count
    receipt_hashes: Annotated[
        list[Hex64], msgspec.Meta(description="every receipt hash, in byte order")
    ]


class LogEntryProof(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One log entry of the contest, verbatim, and its RFC 9162 inclusion proof (leaf's
    sibling first) in the tree the bundle's checkpoint signs."""

    index: Count
    entry: Annotated[str, msgspec.Meta(description="the entry's canonical JSON, verbatim")]
    inclusion_proof: Annotated[list[str], msgspec.Meta(description="base64 hashes")]


class LogEvidence(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The contest's decisions in the signed log, provable offline."""

    origin: Annotated[str, msgspec.Meta(description="the log's name, first checkpoint line")]
    verifier_key: Annotated[
        str,
        msgspec.Meta(
            description="the log's C2SP Ed25519 verifier key (name+id+base64); pin your own"
        ),
    ]
    checkpoint: Annotated[str, msgspec.Meta(description="a C2SP signed checkpoint, verbatim")]
    entries: list[LogEntryProof]


class Bundle(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The audit bundle of one published contest (see the module docstring)."""

    format: Literal["plenary.bundle/v1"]
    contest: Annotated[str, msgspec.Meta(description="the contest's id")]
    manifest: Annotated[
        dict[str, Any],
        msgspec.Meta(description="the contest as defined; manifest_digest is over its JSON"),
    ]
    manifest_digest: Digest
    roll: RollCommitment
    ballots: Annotated[
        list[BallotContent], msgspec.Meta(description="anonymised ballots in canonical order")
    ]
    roll_call: Annotated[
        list[RecordedVote] | None,
        msgspec.Meta(description="recorded contests only: who voted how, by membership number"),
    ] = None
    box: BoxCommitmentDoc
    result: Annotated[
        dict[str, Any],
        msgspec.Meta(description="the result document (outcome or elected, figures, transcript)"),
    ]
    result_digest: Digest
    log: LogEvidence
    blt: Annotated[
        str | None, msgspec.Meta(description="ranked contests: the ballots as a BLT file")
    ] = None


def encode_bundle(bundle: Bundle) -> bytes:
    """The bundle as JSON bytes (what ``GET /contests/{id}/bundle`` serves)."""
    return msgspec.json.encode(bundle)


def decode_bundle(data: bytes | str) -> Bundle:
    """Read a bundle, checking its shape; ``msgspec.ValidationError`` or
    ``msgspec.DecodeError`` name the field that does not fit."""
    return msgspec.json.decode(data, type=Bundle)


def bundle_json_schema() -> str:
    """The bundle's JSON Schema, as the checked-in file holds it (see ``schemas.documents``)."""
    return json_schema_text(Bundle, "Plenary contest audit bundle (plenary.bundle/v1)")


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    BUNDLE_SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    BUNDLE_SCHEMA_PATH.write_text(bundle_json_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {BUNDLE_SCHEMA_PATH}\n")
