"""The bundle's box and count: manifest, counts, receipts, ballots, roll call, recount, BLT.

Checks 4-10 of ``voting.verify``. In a card vote (``"weighted": true`` in the manifest) the
counts also hold for weights (the ballots' total weight is at most the electorate's), each
ballot's weight is a whole number above 1 or left out, and the recount is against the
electorate's total weight. The digests and the recount use the very functions the service
used (``voting.definition.manifest_digest``, ``voting.box``, ``voting.counting.count_contest``),
so a genuine bundle matches byte for byte.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from audit.canonical import canonical_json
from audit.errors import AuditError
from schemas.bundle import BallotContent, Bundle
from tally.ballots import Election
from tally.blt import parse_blt
from tally.errors import TallyError
from voting.ballots import MAX_RANKING
from voting.box import ballots_digest, receipt_hash, receipts_root, token_bytes
from voting.counting import count_contest, election_of, result_digest
from voting.definition import CHOICES, manifest_digest
from voting.verify_report import Report, ballot_bytes

__all__ = [
    "BoxElection",
    "check_ballots_digest",
    "check_ballots_valid",
    "check_blt",
    "check_counts",
    "check_manifest",
    "check_receipts",
    "check_recount",
    "check_roll_call",
]


class BoxElection:
    """The box's ranked ballots as a ``tally`` election, parsed at most once and shared by
    the recount and the BLT check (issue 20: parsing twice was about 40% of the checks'
    time). A parse that fails is not kept: the next check parses again and meets the same
    error, so each check refuses exactly as it would alone."""

    def __init__(self, manifest: dict[str, Any], contents: Sequence[bytes]) -> None:
        self.manifest = manifest
        self.contents = contents

    @cached_property
    def election(self) -> Election:
        """``voting.counting.election_of(manifest, contents)``."""
        return election_of(self.manifest, self.contents)

    def __call__(self) -> Election:
        return self.election


def check_manifest(bundle: Bundle, report: Report) -> None:
    """Check 4: the manifest's digest is the one the log names. Cost: one SHA-256."""
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


def check_counts(bundle: Bundle, report: Report) -> None:
    """Check 5: ballots = receipts = voters ≤ electorate, and the box's own counts."""
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
    weights = ""
    if bundle.manifest.get("weighted"):
        cast = sum(b.weight or 1 for b in bundle.ballots)
        if roll.electorate_weight is None:
            problems.append("a card vote's bundle must give the electorate's total weight")
        elif cast > roll.electorate_weight:
            problems.append(
                f"the ballots carry {cast} votes, more than the electorate's total weight of "
                f"{roll.electorate_weight}"
            )
        weights = f"; {cast} votes cast of a total weight of {roll.electorate_weight}"
    elif roll.electorate_weight is not None:
        problems.append("the bundle gives an electorate weight, but the contest is no card vote")
    for problem in problems:
        report.fail(check, problem)
    if not problems:
        report.ok(
            check,
            f"{ballots} ballots = {receipts} receipts = {roll.voters} voters ≤ "
            f"{roll.electorate} electorate{weights}",
        )


def check_receipts(bundle: Bundle, receipt: str | None, report: Report) -> None:
    """Check 6: the receipts root from the receipt hashes (RFC 6962), and, given a voter's
    token, that its hash is in the box. Cost: about two hashes per receipt."""
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


def check_ballots_digest(bundle: Bundle, contents: list[bytes], report: Report) -> None:
    """Check 7: the ballots are in canonical order and give the committed digest."""
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
    if ballot.weight is not None and not manifest.get("weighted"):
        return "it carries a weight, but the contest is no card vote"
    if ballot.weight is not None and ballot.weight < 2:
        return "a weight of 1 is never written, and a weight is never less"
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


def check_ballots_valid(bundle: Bundle, contents: list[bytes], report: Report) -> bool:
    """Check 8: every ballot could have been cast in this contest; True when all could."""
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


def check_roll_call(bundle: Bundle, contents: list[bytes], report: Report) -> None:
    """Check 8 (recorded contests): the roll call holds the counted ballots, one per member;
    a secret contest's bundle has none."""
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
    recorded = Counter(ballot_bytes(v.ballot) for v in bundle.roll_call)
    if recorded != Counter(contents):
        report.fail(check, "the roll call's ballots are not the ballots counted")
    elif not repeated:
        report.ok(check, f"{len(members)} members' recorded votes are the ballots counted")


def check_recount(
    bundle: Bundle,
    contents: list[bytes],
    valid: bool,
    report: Report,
    election: BoxElection | None = None,
) -> None:
    """Check 9: the result's digest, and the recount with ``count_contest`` byte-identical to
    the result. Cost: one count with ``tally``; ``election`` (of the same ``contents``) shares
    the parsed ballots with :func:`check_blt`."""
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
        electorate = bundle.roll.electorate
        if bundle.manifest.get("weighted"):
            electorate = bundle.roll.electorate_weight or 0
        recount = count_contest(
            bundle.manifest,
            contents,
            electorate,
            election=election or BoxElection(bundle.manifest, contents),
        )
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


def check_blt(
    bundle: Bundle,
    contents: list[bytes],
    valid: bool,
    report: Report,
    election: BoxElection | None = None,
) -> None:
    """Check 10: ranked contests carry a BLT file holding the same ballots; ``election`` (of
    the same ``contents``) is the recount's, already parsed."""
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
        ours = (election or BoxElection(bundle.manifest, contents)).election
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
