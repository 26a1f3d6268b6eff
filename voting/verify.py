"""The offline verifier of a contest's audit bundle: ``plenary verify BUNDLE``.

An auditor runs this on their own machine, trusting nothing the server says unless a signature
or a hash ties it to the log's key, ideally a key they fetched independently (``--key``). It
needs only ``tally``, the pure core of ``audit``, ``schemas`` and the pure counting and box
modules of ``voting`` (``voting.counting``, ``voting.box``, ``voting.definition``,
``voting.ballots``), never the web framework or the database; ``python -m voting.verify
BUNDLE`` runs it without the service installed. What is checked, in this order (DESIGN.md
"Secrecy and integrity", issue 5 "the bundle, the verifier"):

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
import json
import sys
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import msgspec

from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, open_checkpoint
from audit.encoding import b64decode_strict
from audit.errors import AuditError
from audit.merkle import leaf_hash
from audit.note import Verifier, parse_verifier_key
from audit.proofs import check_inclusion
from schemas.bundle import BallotContent, Bundle, decode_bundle
from tally.blt import parse_blt
from tally.errors import TallyError
from voting.ballots import MAX_RANKING
from voting.box import ballots_digest, receipt_hash, receipts_root, token_bytes
from voting.counting import count_contest, election_of, result_digest
from voting.definition import CHOICES, manifest_digest

__all__ = [
    "CONTEST_EVENTS",
    "BundleVerdict",
    "Finding",
    "add_arguments",
    "main",
    "run",
    "verify_bundle",
    "verify_bundle_bytes",
]

CONTEST_EVENTS = (
    "contest.created",
    "contest.opened",
    "contest.closed",
    "contest.counted",
    "contest.published",
)
"""The log entries every published contest has, in this order."""

_WORDS = {
    "manifest": "manifest digest",
    "roll": "roll digest",
    "receipts_root": "receipts root",
    "ballots": "ballots digest",
    "result": "result digest",
}
_FACT_WORDS = {
    "electorate": "electorate size",
    "roll_snapshot": "roll snapshot",
    "ballots": "number of ballots",
    "receipts": "number of receipts",
    "voters": "number who voted",
    "kind": "kind",
    "scope": "scope",
    "secret": "secrecy",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's outcome: what was checked, whether it held, and what was found."""

    check: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class BundleVerdict:
    """Everything the verifier found about one bundle."""

    findings: tuple[Finding, ...]
    pinned: bool
    """Whether the log's key was pinned by the auditor rather than taken from the bundle."""

    @property
    def ok(self) -> bool:
        """True when every check held."""
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> tuple[Finding, ...]:
        """The checks that failed."""
        return tuple(f for f in self.findings if not f.ok)


class _Report:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def ok(self, check: str, detail: str) -> None:
        self.findings.append(Finding(check, True, detail))

    def fail(self, check: str, detail: str) -> None:
        self.findings.append(Finding(check, False, detail))

    def failed(self, check: str) -> bool:
        return any(f.check == check and not f.ok for f in self.findings)


def _content(ballot: BallotContent) -> bytes:
    """A ballot's canonical bytes: what is ordered, digested and counted."""
    return canonical_json(msgspec.to_builtins(ballot))


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:20] + "…"


# --- 1, 2: the signed log --------------------------------------------------------------------


def _checkpoint(bundle: Bundle, pinned: Verifier | None, report: _Report) -> Checkpoint | None:
    check = "log signature"
    try:
        key = parse_verifier_key(bundle.log.verifier_key)
    except AuditError as exc:
        report.fail(check, f"the bundle's log key cannot be read: {exc}")
        key = None
    trusted = pinned or key
    if trusted is None:
        return None
    if pinned is not None and key is not None and pinned.key_string() != key.key_string():
        report.fail(
            check,
            f"the bundle names log key {key.name}+{key.key_id:08x}, not the key you pinned "
            f"({pinned.name}+{pinned.key_id:08x})",
        )
    if bundle.log.origin != trusted.name:
        report.fail(
            check,
            f"the bundle says the log is {bundle.log.origin!r} but its key is for {trusted.name!r}",
        )
    try:
        checkpoint, _ = open_checkpoint(bundle.log.checkpoint, [trusted], trusted.name)
    except AuditError as exc:
        report.fail(
            check,
            f"the checkpoint is not validly signed by {trusted.name}+{trusted.key_id:08x}: {exc}; "
            "nothing in the log can be trusted",
        )
        return None
    whose = "the key you pinned" if pinned else "the key given in the bundle itself"
    report.ok(
        check,
        f"checkpoint of {checkpoint.size} entries signed by {trusted.name}+{trusted.key_id:08x} "
        f"({whose})",
    )
    return checkpoint


def _inclusion(bundle: Bundle, checkpoint: Checkpoint | None, report: _Report) -> None:
    check = "log inclusion"
    if checkpoint is None:
        report.fail(check, "not checked: there is no trusted checkpoint to check entries against")
        return
    good = 0
    for item in bundle.log.entries:
        what = f"log entry {item.index}"
        if item.index >= checkpoint.size:
            report.fail(check, f"{what} is beyond the checkpoint ({checkpoint.size} entries)")
            continue
        try:
            proof = [b64decode_strict(h, "inclusion proof hash") for h in item.inclusion_proof]
            check_inclusion(
                proof,
                checkpoint.size,
                checkpoint.root_hash,
                item.index,
                leaf_hash(item.entry.encode("utf-8")),
            )
        except AuditError as exc:
            report.fail(
                check,
                f"{what} is not the entry the log signed (it was altered, or its proof is "
                f"wrong): {exc}",
            )
            continue
        good += 1
    if good == len(bundle.log.entries):
        report.ok(check, f"all {good} log entries are in the signed log")


# --- 3: what the log says --------------------------------------------------------------------


def _expected(bundle: Bundle) -> dict[str, tuple[dict[str, str], dict[str, object]]]:
    """For each contest event: the digests and facts it must record, from the bundle."""
    m, roll, box = bundle.manifest, bundle.roll, bundle.box
    return {
        "contest.created": (
            {"manifest": bundle.manifest_digest},
            {"kind": m.get("kind"), "scope": m.get("scope"), "secret": m.get("secret")},
        ),
        "contest.opened": (
            {"manifest": bundle.manifest_digest, "roll": "sha256:" + roll.roll_digest},
            {"electorate": roll.electorate, "roll_snapshot": roll.snapshot},
        ),
        "contest.closed": (
            {
                "receipts_root": "sha256:" + box.receipts_root,
                "ballots": "sha256:" + box.ballots_digest,
            },
            {
                "ballots": box.ballots,
                "receipts": box.receipts,
                "voters": roll.voters,
                "electorate": roll.electorate,
            },
        ),
        "contest.counted": ({"result": bundle.result_digest}, {}),
        "contest.published": ({"result": bundle.result_digest}, {}),
    }


def _log_story(bundle: Bundle, report: _Report) -> None:
    check = "log records"
    events: dict[str, tuple[int, dict[str, Any]]] = {}
    order: list[str] = []
    for item in sorted(bundle.log.entries, key=lambda e: e.index):
        try:
            document = json.loads(item.entry)
            kind = document["type"]
            contest = document["subjects"]["contest"]
        except (ValueError, KeyError, TypeError):
            report.fail(check, f"log entry {item.index} is not a contest event")
            continue
        if contest != bundle.contest:
            report.fail(check, f"log entry {item.index} ({kind}) is about contest {contest}")
            continue
        if kind in events:
            report.fail(check, f"the log records {kind} twice (entries {events[kind][0]}, ...)")
        events.setdefault(kind, (item.index, document))
        order.append(kind)
    missing = [k for k in CONTEST_EVENTS if k not in events]
    if missing:
        report.fail(check, f"the bundle lacks the log's {', '.join(missing)} entries")
    known = [k for k in order if k in CONTEST_EVENTS]
    if known != sorted(known, key=CONTEST_EVENTS.index):
        report.fail(check, f"the log records the steps out of order: {', '.join(known)}")
    for kind, (digests, facts) in _expected(bundle).items():
        if kind not in events:
            continue
        index, document = events[kind]
        for name, want in digests.items():
            got = document.get("digests", {}).get(name)
            if got != want:
                report.fail(
                    check,
                    f"the log's {kind} entry ({index}) records {_WORDS[name]} {_short(got)} "
                    f"but the bundle has {_short(want)}",
                )
        for name, fact in facts.items():
            recorded = document.get("facts", {}).get(name)
            if recorded != fact:
                report.fail(
                    check,
                    f"the log's {kind} entry ({index}) records {_FACT_WORDS[name]} {recorded!r} "
                    f"but the bundle has {fact!r}",
                )
    if not report.failed(check):
        report.ok(check, "the log records this manifest, roll, box and result at each step")


# --- 4-8: the manifest, the box and the ballots ---------------------------------------------


def _manifest(bundle: Bundle, report: _Report) -> None:
    check = "manifest"
    try:
        digest = manifest_digest(bundle.manifest)
    except (AuditError, ValueError, TypeError) as exc:
        report.fail(check, f"the manifest cannot be digested: {exc}")
        return
    if digest != bundle.manifest_digest:
        report.fail(
            check,
            f"the manifest's digest is {digest}, not the {bundle.manifest_digest} the bundle "
            "and the log name: the contest as shown is not the contest that was run",
        )
    elif bundle.manifest.get("contest") != bundle.contest:
        report.fail(check, f"the manifest is for contest {bundle.manifest.get('contest')}")
    else:
        report.ok(check, f"the manifest's digest is {digest}")


def _counts(bundle: Bundle, report: _Report) -> None:
    check = "counts"
    box, roll = bundle.box, bundle.roll
    ballots, receipts = len(bundle.ballots), len(box.receipt_hashes)
    problems = []
    if box.ballots != ballots:
        problems.append(
            f"the box commitment counts {box.ballots} ballots; the bundle has {ballots}"
        )
    if box.receipts != receipts:
        problems.append(
            f"the box commitment counts {box.receipts} receipts; the bundle lists {receipts}"
        )
    if not ballots == receipts == roll.voters:
        problems.append(
            f"{ballots} ballots, {receipts} receipts and {roll.voters} voters should be equal"
        )
    if roll.voters > roll.electorate:
        problems.append(f"{roll.voters} voted in an electorate of {roll.electorate}")
    for problem in problems:
        report.fail(check, problem)
    if not problems:
        report.ok(
            check,
            f"{ballots} ballots = {receipts} receipts = {roll.voters} voters ≤ "
            f"{roll.electorate} electorate",
        )


def _receipts(bundle: Bundle, receipt: str | None, report: _Report) -> None:
    check = "receipts root"
    hashes = [bytes.fromhex(h) for h in bundle.box.receipt_hashes]
    if hashes != sorted(set(hashes)):
        report.fail(check, "the receipt hashes are not in byte order, or one is repeated")
    root = receipts_root(sorted(set(hashes))).hex()
    if root != bundle.box.receipts_root:
        report.fail(
            check,
            f"the receipt hashes give root {root[:16]}…, not the committed "
            f"{bundle.box.receipts_root[:16]}…: a receipt was added, removed or changed",
        )
    elif not report.failed(check):
        report.ok(check, f"recomputed from the {len(hashes)} receipt hashes")
    if receipt is not None:
        try:
            mine = receipt_hash(uuid.UUID(bundle.contest), token_bytes(receipt))
        except ValueError as exc:
            report.fail("your receipt", f"cannot be read: {exc}")
        else:
            if mine in set(hashes):
                report.ok("your receipt", "is in the committed box: your ballot was counted")
            else:
                report.fail("your receipt", "is NOT in the committed box")


def _ballots_digest(bundle: Bundle, contents: list[bytes], report: _Report) -> None:
    check = "ballots digest"
    if contents != sorted(contents):
        report.fail(check, "the ballots are not in canonical (byte) order")
    digest = ballots_digest(sorted(contents))
    if digest != bundle.box.ballots_digest:
        report.fail(
            check,
            f"the ballots give digest {digest[:16]}…, not the committed "
            f"{bundle.box.ballots_digest[:16]}…: a ballot was added, removed or changed "
            "since the box was closed",
        )
    elif not report.failed(check):
        report.ok(check, f"recomputed from the {len(contents)} ballots")


def _ballot_problem(manifest: dict[str, Any], ballot: BallotContent) -> str | None:
    """Why ``ballot`` could not have been cast in the contest ``manifest`` defines, or None."""
    kind = manifest.get("kind")
    if kind in CHOICES:
        if ballot.ranking is not None or ballot.choice not in CHOICES[kind]:
            return f"a {kind} ballot is one choice of {', '.join(CHOICES[kind])}"
        return None
    options = len(manifest.get("options") or [])
    ranking = ballot.ranking
    if ballot.choice is not None or not ranking:
        return "a ranked ballot ranks at least one option and has no choice"
    if len(set(ranking)) != len(ranking):
        return "it ranks an option twice"
    if len(ranking) > min(MAX_RANKING, options) or not all(0 <= i < options for i in ranking):
        return f"it ranks options that are not among the {options} on the ballot paper"
    return None


def _validity(bundle: Bundle, contents: list[bytes], report: _Report) -> bool:
    check = "ballots valid"
    invalid = 0
    for position, ballot in enumerate(bundle.ballots):
        problem = _ballot_problem(bundle.manifest, ballot)
        if problem:
            invalid += 1
            if invalid <= 5:
                report.fail(
                    check,
                    f"ballot {position + 1} {contents[position].decode()} could not have been "
                    f"cast: {problem}",
                )
    if invalid > 5:
        report.fail(check, f"... {invalid} invalid ballots in all")
    if not invalid:
        report.ok(check, f"all {len(contents)} ballots are valid for the manifest")
    return not invalid


def _roll_call(bundle: Bundle, contents: list[bytes], report: _Report) -> None:
    check = "roll call"
    secret = bundle.manifest.get("secret")
    if secret:
        if bundle.roll_call is not None:
            report.fail(check, "a secret contest's bundle must not say who voted how")
        return
    if bundle.roll_call is None:
        report.fail(check, "a recorded contest's bundle must publish who voted how")
        return
    members = [v.member for v in bundle.roll_call]
    repeated = sorted({m for m in members if members.count(m) > 1})
    if repeated:
        report.fail(check, f"members listed more than once: {', '.join(repeated[:5])}")
    recorded = Counter(_content(v.ballot) for v in bundle.roll_call)
    if recorded != Counter(contents):
        report.fail(check, "the roll call's ballots are not the ballots counted")
    elif not repeated:
        report.ok(check, f"{len(members)} members' recorded votes are the ballots counted")


# --- 9, 10: the recount and the BLT ----------------------------------------------------------


def _recount(bundle: Bundle, contents: list[bytes], valid: bool, report: _Report) -> None:
    check = "recount"
    digest = result_digest(bundle.result)
    if digest != bundle.result_digest:
        report.fail(
            check,
            f"the result document's digest is {digest}, not the {bundle.result_digest} the "
            "bundle and the log name: the result was edited",
        )
    if not valid:
        report.fail(check, "not recounted: some ballots are invalid")
        return
    try:
        recount = count_contest(bundle.manifest, contents, bundle.roll.electorate)
    except (TallyError, ValueError, KeyError, TypeError) as exc:
        report.fail(check, f"the ballots could not be recounted: {exc}")
        return
    if canonical_json(recount) == canonical_json(bundle.result):
        if not report.failed(check):
            what = recount.get("outcome") or ", ".join(recount.get("elected_names") or [])
            report.ok(check, f"recounted with tally: the same result, byte for byte ({what})")
        return
    differs = sorted(
        k for k in set(recount) | set(bundle.result) if recount.get(k) != bundle.result.get(k)
    )
    report.fail(
        check,
        f"recounting the ballots gives a different result (differs in: {', '.join(differs)})",
    )


def _blt(bundle: Bundle, contents: list[bytes], valid: bool, report: _Report) -> None:
    check = "BLT export"
    ranked = bundle.manifest.get("kind") not in CHOICES
    if bundle.blt is None:
        if ranked:
            report.fail(check, "a ranked contest's bundle must carry its BLT export")
        return
    if not ranked:
        report.fail(check, "a BLT export in a contest that is not ranked")
        return
    if not valid:
        report.fail(check, "not compared: some ballots are invalid")
        return
    try:
        parsed = parse_blt(bundle.blt, "bundle.blt")
        ours = election_of(bundle.manifest, contents)
    except (TallyError, ValueError, KeyError) as exc:
        report.fail(check, f"cannot be read: {exc}")
        return
    problems = []
    if parsed.candidates != ours.candidates:
        problems.append("names other candidates than the manifest")
    if parsed.seats != ours.seats:
        problems.append(f"is for {parsed.seats} seats, not {ours.seats}")
    theirs: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for ballot in parsed.ballots:
        theirs[ballot.ranking] += ballot.weight
    mine: Counter[tuple[tuple[int, ...], ...]] = Counter()
    for ballot in ours.ballots:
        mine[ballot.ranking] += ballot.weight
    if theirs != mine:
        problems.append(
            f"holds other ballots than the bundle ({sum(theirs.values())} papers, "
            f"{sum(mine.values())} in the bundle)"
        )
    for problem in problems:
        report.fail(check, f"the BLT file {problem}")
    if not problems:
        report.ok(check, f"the BLT file holds the same {sum(mine.values())} ballots")


# --- putting it together ---------------------------------------------------------------------


def verify_bundle(
    bundle: Bundle, *, pinned_key: str | None = None, receipt: str | None = None
) -> BundleVerdict:
    """Run every check on ``bundle``; ``pinned_key`` is the log's verifier key as the auditor
    fetched it independently, ``receipt`` a voter's receipt token to look for in the box.

    Cost: one Ed25519 verification, ``log2(size)`` hashes per log entry, about two hashes per
    receipt and one per ballot, and one count with ``tally`` (the dominant cost for large
    STV contests).
    """
    report = _Report()
    pinned = None
    if pinned_key is not None:
        try:
            pinned = parse_verifier_key(pinned_key.strip())
        except AuditError as exc:
            report.fail("log signature", f"the key you pinned cannot be read: {exc}")
    checkpoint = _checkpoint(bundle, pinned, report)
    _inclusion(bundle, checkpoint, report)
    _log_story(bundle, report)
    _manifest(bundle, report)
    _counts(bundle, report)
    _receipts(bundle, receipt, report)
    contents = [_content(b) for b in bundle.ballots]
    _ballots_digest(bundle, contents, report)
    valid = _validity(bundle, contents, report)
    _roll_call(bundle, contents, report)
    _recount(bundle, contents, valid, report)
    _blt(bundle, contents, valid, report)
    return BundleVerdict(tuple(report.findings), pinned=pinned is not None)


def verify_bundle_bytes(
    data: bytes, *, pinned_key: str | None = None, receipt: str | None = None
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
    return verify_bundle(bundle, pinned_key=pinned_key, receipt=receipt)


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
    out: TextIO | None = None,
) -> int:
    """Verify the bundle at ``path`` and print what was found; 0 when everything holds, 1 when
    anything does not, 2 when the file cannot be read. What ``plenary verify`` runs."""
    out = out or sys.stdout
    try:
        data = path.read_bytes()
        pinned = _read_key(key) if key is not None else None
    except OSError as exc:
        out.write(f"cannot read {exc.filename}: {exc.strerror}\n")
        return 2
    verdict = verify_bundle_bytes(data, pinned_key=pinned, receipt=receipt)
    out.write(f"bundle {path}\n")
    for finding in verdict.findings:
        out.write(f"  {'ok    ' if finding.ok else 'FAILED'}  {finding.check}: {finding.detail}\n")
    if not verdict.pinned and key is None:
        out.write(
            "  note    the log's key was taken from the bundle itself: fetch the log's verifier "
            "key independently and pass it with --key, or a forger could sign their own log\n"
        )
    if verdict.ok:
        out.write("VERIFIED: every check holds\n")
        return 0
    count = len(verdict.problems)
    out.write(f"NOT VERIFIED: {count} problem{'s' if count != 1 else ''}\n")
    return 1


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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m voting.verify BUNDLE [--key VKEY] [--receipt TOKEN]``."""
    parser = argparse.ArgumentParser(
        prog="python -m voting.verify", description="Check a contest's audit bundle offline."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(Path(args.bundle), key=args.key, receipt=args.receipt)


if __name__ == "__main__":
    sys.exit(main())
