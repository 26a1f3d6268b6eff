"""The bundle's log evidence: the checkpoint's signature, inclusion proofs, and what the log says.

Checks 1-3 of ``voting.verify``: the signed checkpoint (C2SP tlog-checkpoint, signed note) under
the pinned key or the bundle's; each entry's RFC 9162 §2.1.3.2 inclusion proof; and that the
contest's entries record the bundle's manifest, roll, box and result (issue 5).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from audit.checkpoint import Checkpoint, open_checkpoint
from audit.encoding import b64decode_strict
from audit.errors import AuditError
from audit.merkle import leaf_hash
from audit.note import Verifier, parse_verifier_key
from audit.proofs import check_inclusion
from audit.witness import parse_cosigner_verifier, witness_quorum
from schemas.bundle import Bundle
from voting.verify_report import Report, short

__all__ = [
    "CONTEST_EVENTS",
    "check_inclusion_proofs",
    "check_log_records",
    "check_signature",
    "check_witnesses",
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
    "electorate_weight": "electorate's total weight",
    "roll_snapshot": "roll snapshot",
    "ballots": "number of ballots",
    "receipts": "number of receipts",
    "voters": "number who voted",
    "kind": "kind",
    "scope": "scope",
    "secret": "secrecy",
}


def check_signature(bundle: Bundle, pinned: Verifier | None, report: Report) -> Checkpoint | None:
    """Check 1: the checkpoint opens under the pinned key (or the bundle's); returns it, or
    None when it cannot be trusted. Cost: one Ed25519 verification."""
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


def check_inclusion_proofs(bundle: Bundle, checkpoint: Checkpoint | None, report: Report) -> None:
    """Check 2: each entry is in the signed tree. Cost: ``log2(size)`` hashes per entry."""
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
    opened: dict[str, object] = {"electorate": roll.electorate, "roll_snapshot": roll.snapshot}
    if m.get("weighted"):
        opened["electorate_weight"] = roll.electorate_weight
    return {
        "contest.created": (
            {"manifest": bundle.manifest_digest},
            {"kind": m.get("kind"), "scope": m.get("scope"), "secret": m.get("secret")},
        ),
        "contest.opened": (
            {"manifest": bundle.manifest_digest, "roll": "sha256:" + roll.roll_digest},
            opened,
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


def check_log_records(bundle: Bundle, report: Report) -> None:
    """Check 3: the entries are the contest's five steps, in order, each recording what the
    bundle says. Cost: one JSON parse per entry."""
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
                    f"the log's {kind} entry ({index}) records {_WORDS[name]} {short(got)} "
                    f"but the bundle has {short(want)}",
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


def check_witnesses(
    bundle: Bundle, witnesses: Sequence[str], quorum: int | None, report: Report
) -> None:
    """Check 1b: at least ``quorum`` of the given witnesses (all when None) validly cosigned
    the bundle's checkpoint (c2sp.org/tlog-cosignature). Cost: one Ed25519 verification per
    witness."""
    check = "witnesses"
    keys = []
    for text in witnesses:
        try:
            keys.append(parse_cosigner_verifier(text.strip()))
        except AuditError as exc:
            report.fail(check, f"the witness key {short(text)} cannot be read: {exc}")
            return
    held, said = witness_quorum(bundle.log.checkpoint, keys, quorum)
    if held:
        report.ok(check, said)
    else:
        report.fail(check, said)
