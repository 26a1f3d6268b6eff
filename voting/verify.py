"""The offline verifier of a contest's audit bundle: ``plenary verify BUNDLE``.

An auditor runs this on their own machine, trusting nothing the server says unless a signature
or a hash ties it to the log's key, ideally a key they fetched independently (``--key``). It
needs only ``tally``, the pure core of ``audit``, ``schemas`` and the pure modules of ``voting``
(``counting``, ``box``, ``definition``, ``ballots``, and this verifier's ``verify_log``,
``verify_box`` and ``verify_report``), never the web framework or the database, so
``python -m voting.verify BUNDLE`` runs without the service's dependencies. What is checked, in
this order (DESIGN.md "Secrecy and integrity", issue 5 "the bundle, the verifier"):

1. the log's checkpoint signature (C2SP signed note), under the pinned key when given;
2. each log entry's RFC 9162 inclusion proof against the signed checkpoint;
3. that the entries say what the bundle says: manifest digest in ``contest.created`` and
   ``opened``, roll digest and electorate in ``opened``, receipts root, ballots digest and
   counts in ``closed``, result digest in ``counted`` and ``published``;
4. the manifest's digest;
5. ballots = receipts = voters ≤ electorate;
6. the receipts root recomputed from the receipt hashes (RFC 6962 Merkle tree);
7. the ballots digest recomputed from the ballots, in canonical order;
8. every ballot valid for the manifest; in recorded contests, the roll call holds the same
   ballots, one per member;
9. the recount with ``voting.counting.count_contest``, byte-identical to the published result
   (canonical JSON), and the result's digest;
10. the BLT export, if present, holds the same ballots.

Each check reports in words an auditor understands; every failure is listed, not just the first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TextIO

import msgspec

from audit.errors import AuditError
from audit.note import parse_verifier_key
from schemas.bundle import Bundle, decode_bundle
from voting.verify_box import (
    BoxElection,
    check_ballots_digest,
    check_ballots_valid,
    check_blt,
    check_counts,
    check_manifest,
    check_receipts,
    check_recount,
    check_roll_call,
)
from voting.verify_log import (
    CONTEST_EVENTS,
    check_inclusion_proofs,
    check_log_records,
    check_signature,
    check_witnesses,
)
from voting.verify_report import BundleVerdict, Finding, Report, ballot_bytes

__all__ = [
    "CONTEST_EVENTS",
    "NOT_VERIFIED",
    "UNPINNED",
    "UNREADABLE",
    "VERIFIED",
    "BundleVerdict",
    "Finding",
    "add_arguments",
    "add_witness_arguments",
    "main",
    "run",
    "verify_bundle",
    "verify_bundle_bytes",
]

VERIFIED: Final = 0
NOT_VERIFIED: Final = 1
UNREADABLE: Final = 2
UNPINNED: Final = 3


def verify_bundle(
    bundle: Bundle,
    *,
    pinned_key: str | None = None,
    receipt: str | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
) -> BundleVerdict:
    """Run every check on ``bundle``; ``pinned_key`` is the log's verifier key as the auditor
    fetched it independently, ``receipt`` a voter's receipt token to look for in the box.

    Cost: one Ed25519 verification, ``log2(size)`` hashes per log entry, about two hashes per
    receipt and one per ballot, and one count with ``tally`` (the dominant cost for large
    STV contests).
    """
    report = Report()
    pinned = None
    if pinned_key is not None:
        try:
            pinned = parse_verifier_key(pinned_key.strip())
        except AuditError as exc:
            report.fail("log signature", f"the key you pinned cannot be read: {exc}")
    checkpoint = check_signature(bundle, pinned, report)
    if witnesses or quorum is not None:
        check_witnesses(bundle, witnesses, quorum, report)
    check_inclusion_proofs(bundle, checkpoint, report)
    check_log_records(bundle, report)
    check_manifest(bundle, report)
    check_counts(bundle, report)
    check_receipts(bundle, receipt, report)
    contents = _canonical_ballots(bundle)
    check_ballots_digest(bundle, contents, report)
    valid = check_ballots_valid(bundle, contents, report)
    check_roll_call(bundle, contents, report)
    election = BoxElection(bundle.manifest, contents)
    check_recount(bundle, contents, valid, report, election)
    check_blt(bundle, contents, valid, report, election)
    return BundleVerdict(tuple(report.findings), pinned=pinned is not None)


def _canonical_ballots(bundle: Bundle) -> list[bytes]:
    """Each ballot's canonical bytes, in the bundle's order. Many papers are the same: each
    distinct one (told apart by msgspec's encoding, which differs for any two different
    ballots) is made canonical once, the slow step, and reused for its twins."""
    encode = msgspec.json.Encoder().encode
    made: dict[bytes, bytes] = {}
    contents = []
    for ballot in bundle.ballots:
        seen = encode(ballot)
        canonical = made.get(seen)
        if canonical is None:
            canonical = made[seen] = ballot_bytes(ballot)
        contents.append(canonical)
    return contents


def verify_bundle_bytes(
    data: bytes,
    *,
    pinned_key: str | None = None,
    receipt: str | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
) -> BundleVerdict:
    """:func:`verify_bundle` on a bundle file's bytes; a file that is not a bundle is one
    failed check naming the field that does not fit. Cost: as :func:`verify_bundle`."""
    try:
        bundle = decode_bundle(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return BundleVerdict(
            (Finding("bundle format", False, f"not a plenary.bundle/v1 document: {exc}"),),
            pinned=False,
        )
    return verify_bundle(
        bundle, pinned_key=pinned_key, receipt=receipt, witnesses=witnesses, quorum=quorum
    )


def _read_key(key: str) -> str:
    """A verifier key given on the command line, or read from the file it names."""
    path = Path(key)
    if "+" not in key and path.is_file():
        return path.read_text(encoding="ascii").strip()
    return key


def run(
    path: Path,
    *,
    key: str | None = None,
    receipt: str | None = None,
    witnesses: Sequence[str] = (),
    quorum: int | None = None,
    out: TextIO | None = None,
) -> int:
    """Verify the bundle at ``path`` and print what was found. What ``plenary verify`` runs.

    Exit status: :data:`VERIFIED` (0) when everything holds under a key you pinned,
    :data:`NOT_VERIFIED` (1) when anything does not, :data:`UNREADABLE` (2) when the file
    cannot be read, :data:`UNPINNED` (3) when everything is consistent but signed by a key
    taken from the bundle itself: a forger who re-signs a log with their own key gets that far.
    """
    out = out or sys.stdout
    try:
        data = path.read_bytes()
        pinned = _read_key(key) if key is not None else None
        witness_keys = [_read_key(w) for w in witnesses]
    except OSError as exc:
        out.write(f"cannot read {exc.filename}: {exc.strerror}\n")
        return UNREADABLE
    verdict = verify_bundle_bytes(
        data, pinned_key=pinned, receipt=receipt, witnesses=witness_keys, quorum=quorum
    )
    out.write(f"bundle {path}\n")
    for finding in verdict.findings:
        out.write(f"  {'ok    ' if finding.ok else 'FAILED'}  {finding.check}: {finding.detail}\n")
    if not verdict.pinned and key is None:
        out.write(
            "  note    the log's key was taken from the bundle itself: fetch the log's verifier "
            "key independently and pass it with --key, or a forger could sign their own log\n"
        )
    if verdict.ok and not verdict.pinned:
        out.write("NOT VERIFIED: consistent, but signed by a key you did not pin\n")
        return UNPINNED
    if verdict.ok:
        out.write("VERIFIED: every check holds\n")
        return VERIFIED
    count = len(verdict.problems)
    out.write(f"NOT VERIFIED: {count} problem{'s' if count != 1 else ''}\n")
    return NOT_VERIFIED


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The verifier's command-line arguments, shared by ``plenary verify`` and
    ``python -m voting.verify``."""
    parser.add_argument("bundle", help="the contest's audit bundle (JSON)")
    parser.add_argument(
        "--key",
        metavar="VKEY",
        help="the log's verifier key (name+id+base64) as you fetched it independently, "
        "or a file holding it",
    )
    parser.add_argument(
        "--receipt", metavar="TOKEN", help="your receipt token: check your ballot is in the box"
    )
    add_witness_arguments(parser)


def add_witness_arguments(parser: argparse.ArgumentParser) -> None:
    """``--witness VKEY`` (repeatable) and ``--witnesses K``."""
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help="a witness's verifier key (or a file holding it) whose cosignature you require; "
        "repeatable",
    )
    parser.add_argument(
        "--witnesses",
        type=int,
        metavar="K",
        help="how many of the --witness keys must have cosigned (default: all of them)",
    )


def receipt_taken_whole(argv: Sequence[str]) -> list[str]:
    """``argv`` with ``--receipt TOKEN`` joined into ``--receipt=TOKEN``: a receipt token is
    URL-safe base64 and may begin with ``-``, which argparse would take for an option."""
    out: list[str] = []
    items = iter(argv)
    for item in items:
        if item == "--receipt":
            token = next(items, None)
            out.append(item if token is None else f"--receipt={token}")
        else:
            out.append(item)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m voting.verify BUNDLE [--key VKEY] [--receipt TOKEN]``."""
    parser = argparse.ArgumentParser(
        prog="python -m voting.verify", description="Check a contest's audit bundle offline."
    )
    add_arguments(parser)
    args = parser.parse_args(receipt_taken_whole(sys.argv[1:] if argv is None else argv))
    return run(
        Path(args.bundle),
        key=args.key,
        receipt=args.receipt,
        witnesses=args.witness,
        quorum=args.witnesses,
    )


if __name__ == "__main__":
    sys.exit(main())
