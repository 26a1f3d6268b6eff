"""``python -m audit verify-log`` (also ``plenary verify-log``): check a log, trusting only a key.

Reads the log from a server (``--url``) or a directory in the same C2SP ``tlog-tiles`` layout
(``--dir``: ``checkpoint``, ``tile/entries/<N>``, ``tile/<L>/<N>``; ``--download DIR`` writes
one), checks the checkpoint's signature against the pinned verifier key, recomputes the root
from every entry (RFC 6962 §2.1), checks the checkpoint saved last time (``--since``) is a
prefix of the new one, and names the first entry that does not fit (walking the log's own hash
tiles down from the signed root, ``audit.verify``). Proofs fetched with curl (``--proof``) are
checked against the signed checkpoints too. ``--save FILE`` keeps the checkpoint for next time.

Exit status: 0 when everything checked holds; 1 when something does not (the output says what,
and which entry); 2 when the check could not be made (bad arguments, unreachable server).
Standard library and ``cryptography`` only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO

from audit.checkpoint import Checkpoint, open_checkpoint
from audit.errors import AuditError
from audit.fetch import FetchError, HttpFetch, directory_fetch, saving, write_file
from audit.merkle import Hash, format_hash, leaf_hashes
from audit.note import Verifier, parse_verifier_key
from audit.tile import C2SP_TILE_HEIGHT, entry_bundle_entries, new_tiles
from audit.tiled import Fetch, TileHashReader, check_bundle_width, tile_covering
from audit.verify import verify_log
from audit.verify_cli_proofs import check_proof_document, describe_entry
from audit.witness import parse_cosigner_verifier, witness_quorum

__all__ = [
    "DESCRIPTION",
    "EPILOG",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNCHECKED",
    "build_parser",
    "main",
    "run",
]

DESCRIPTION: Final = (
    "Check a Plenary transparency log against its pinned key: every entry, the signature, "
    "consistency with the checkpoint you saved, and any proofs you fetched."
)
EPILOG: Final = "Exit 0: everything holds; 1: something does not (named); 2: could not check."
_BUNDLE: Final = 1 << C2SP_TILE_HEIGHT

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_UNCHECKED: Final = 2


class _Unchecked(Exception):
    """The check could not be made; the message says why and what to do."""


@dataclass
class _Report:
    """What was checked, printed as it goes: ``ok:`` lines and ``FAIL:`` lines."""

    out: TextIO
    failures: list[str] = field(default_factory=list)

    def ok(self, line: str) -> None:
        print(f"ok: {line}", file=self.out)

    def fail(self, line: str) -> None:
        self.failures.append(line)
        print(f"FAIL: {line}", file=self.out)


def build_parser(prog: str = "python -m audit verify-log") -> argparse.ArgumentParser:
    """The command line of ``verify-log`` (shared by ``plenary verify-log``)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--url", help="the server (https://host) or the log's prefix URL (…/api/v1/audit)"
    )
    source.add_argument("--dir", type=Path, help="a directory in the tlog-tiles layout")
    parser.add_argument(
        "--key", required=True, help="the verifier key (name+id+base64), or a file holding it"
    )
    parser.add_argument("--origin", help="the log's origin (default: the key's name)")
    parser.add_argument(
        "--checkpoint", type=Path, help="use this signed checkpoint file instead of fetching one"
    )
    parser.add_argument(
        "--since", type=Path, metavar="CHECKPOINT_FILE", help="the checkpoint saved last time"
    )
    parser.add_argument(
        "--save", type=Path, metavar="FILE", help="save the checkpoint here when all holds"
    )
    parser.add_argument(
        "--proof",
        type=Path,
        action="append",
        default=[],
        help="an inclusion or consistency proof (JSON from the API) to check; repeatable",
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help="a witness's verifier key (or a file holding it) whose cosignature on the "
        "checkpoint you require; repeatable",
    )
    parser.add_argument(
        "--witnesses",
        type=int,
        metavar="K",
        help="how many of the --witness keys must have cosigned (default: all of them)",
    )
    parser.add_argument(
        "--download",
        type=Path,
        metavar="DIR",
        help="with --url: keep a copy of the log in DIR (check it later with --dir DIR)",
    )
    return parser


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unchecked(f"cannot read {what} {path}: {exc}") from None


def _verifier(text: str) -> Verifier:
    candidate = Path(text)
    try:
        is_file = candidate.is_file()
    except OSError:  # a key string too long to be a file name
        is_file = False
    if "+" not in text or is_file:
        text = _read_text(candidate, "the key file")
    try:
        return parse_verifier_key(text.strip())
    except AuditError as exc:
        raise _Unchecked(f"--key: {exc}") from None


def _check_witnesses(note: str, keys: list[str], need: int | None, report: _Report) -> None:
    witnesses = []
    for text in keys:
        if "+" not in text:
            text = _read_text(Path(text), "the witness key file")
        try:
            witnesses.append(parse_cosigner_verifier(text.strip()))
        except AuditError as exc:
            raise _Unchecked(f"--witness: {exc}") from None
    held, said = witness_quorum(note, witnesses, need)
    if held:
        report.ok(said)
    else:
        report.fail(said)


def _open(note: str, verifier: Verifier, origin: str, report: _Report) -> Checkpoint | None:
    try:
        checkpoint, _ = open_checkpoint(note, [verifier], origin)
    except AuditError as exc:
        report.fail(f"the checkpoint does not verify with key {verifier.name}: {exc}")
        return None
    report.ok(
        f"checkpoint of {checkpoint.origin} signed by {verifier.name}+{verifier.key_id:08x}: "
        f"{checkpoint.size} entries, root {format_hash(checkpoint.root_hash)}"
    )
    return checkpoint


def _check_entries(
    fetch: Fetch,
    note: str,
    checkpoint: Checkpoint,
    verifier: Verifier,
    origin: str,
    since: str | None,
    report: _Report,
) -> None:
    """Recompute the root from every entry and compare with the signed and the saved roots."""
    try:
        leaves = _leaf_hashes_of_entries(checkpoint.size, fetch)
    except FetchError as exc:
        raise _Unchecked(f"cannot read the entries: {exc}") from None
    except AuditError as exc:
        report.fail(f"the entries cannot be read as entry bundles: {exc}")
        return
    verdict = verify_log(
        leaves,
        note,
        verifier,
        origin=origin,
        previous_note=since,
        claimed_hashes=TileHashReader(checkpoint.size, fetch),
    )
    for problem in verdict.problems:
        report.fail(problem)
    if verdict.first_bad_index is not None and verdict.first_bad_index < len(leaves):
        bad = verdict.first_bad_index
        report.fail(f"entry {bad} reads: {describe_entry(_entry(checkpoint.size, fetch, bad))}")
    if verdict.ok:
        report.ok(f"all {checkpoint.size} entries hash to the signed root")
        if since is not None:
            report.ok("the saved checkpoint is a prefix of this one: nothing removed or rewritten")


def _leaf_hashes_of_entries(size: int, fetch: Fetch) -> list[Hash]:
    """The leaf hash of each of the first ``size`` entries, one entry bundle at a time.

    Holds only the hashes (about 70 bytes an entry), not the entries. Cost: one fetch per
    256 entries and one hash per entry.
    """
    leaves: list[Hash] = []
    for index in range((size + _BUNDLE - 1) // _BUNDLE):
        tile = tile_covering(size, -1, index)
        bundle = entry_bundle_entries(fetch(tile.c2sp_path()))
        check_bundle_width(size, fetch, tile, bundle)
        leaves.extend(leaf_hashes(bundle))
    return leaves


def _entry(size: int, fetch: Fetch, index: int) -> bytes:
    """Entry ``index`` as its bundle gives it (to show a person what it now says)."""
    tile = tile_covering(size, -1, index // _BUNDLE)
    return entry_bundle_entries(fetch(tile.c2sp_path()))[index % _BUNDLE]


def _mirror_tiles(fetch: Fetch, size: int) -> None:
    """Fetch (and so keep) every hash tile of the tree, for a complete offline copy."""
    for tile in new_tiles(C2SP_TILE_HEIGHT, 0, size):
        fetch(tile.c2sp_path())


def _run(args: argparse.Namespace, report: _Report) -> None:
    verifier = _verifier(args.key)
    origin = args.origin or verifier.name
    fetch: Fetch | None = None
    http: HttpFetch | None = None
    if args.url:
        try:
            http = HttpFetch(args.url)
        except FetchError as exc:
            raise _Unchecked(str(exc)) from None
        fetch = http
    elif args.dir:
        if not args.dir.is_dir():
            raise _Unchecked(f"--dir {args.dir} is not a directory")
        fetch = directory_fetch(args.dir)
    if args.download is not None:
        if http is None:
            raise _Unchecked("--download needs --url (it copies the log from a server)")
        fetch = saving(http, args.download)
    try:
        if args.checkpoint is not None:
            note = _read_text(args.checkpoint, "the checkpoint")
        elif fetch is not None:
            note = fetch("checkpoint").decode("utf-8", "replace")
        else:
            raise _Unchecked("give --url, --dir or --checkpoint: there is nothing to check")
        since = _read_text(args.since, "the saved checkpoint") if args.since else None
        checkpoint = _open(note, verifier, origin, report)
        if checkpoint is None:
            return
        if args.witness or args.witnesses is not None:
            _check_witnesses(note, args.witness, args.witnesses, report)
        if fetch is not None:
            _check_entries(fetch, note, checkpoint, verifier, origin, since, report)
            if args.download is not None:
                _mirror_tiles(fetch, checkpoint.size)
        elif since is not None and not any(args.proof):
            raise _Unchecked(
                "--since needs the entries (--url or --dir) or a consistency proof (--proof)"
            )
        for path in args.proof:
            try:
                said = check_proof_document(
                    _read_text(path, "the proof"),
                    verifier,
                    origin,
                    checkpoint_note=note,
                    since_note=since,
                )
            except AuditError as exc:
                report.fail(f"{path}: {exc}")
            else:
                report.ok(f"{path}: {said}")
    except FetchError as exc:
        raise _Unchecked(str(exc)) from None
    finally:
        if http is not None:
            http.close()
    if not report.failures and args.save is not None:
        write_file(args.save.parent, args.save.name, note.encode("utf-8"))
        report.ok(f"saved the checkpoint to {args.save}; next time pass --since {args.save}")


def run(
    args: argparse.Namespace,
    *,
    prog: str = "python -m audit verify-log",
    out: TextIO | None = None,
) -> int:
    """Run ``verify-log`` on parsed arguments (:func:`build_parser`); return the exit status."""
    report = _Report(out or sys.stdout)
    try:
        _run(args, report)
    except _Unchecked as exc:
        print(f"{prog}: could not check: {exc}", file=sys.stderr)
        return EXIT_UNCHECKED
    if report.failures:
        print(f"NOT VERIFIED: {len(report.failures)} problem(s) above", file=report.out)
        return EXIT_FAILED
    print("VERIFIED", file=report.out)
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "python -m audit verify-log",
    out: TextIO | None = None,
) -> int:
    """Parse ``argv`` and run ``verify-log``; return the exit status (see the docstring)."""
    return run(build_parser(prog).parse_args(argv), prog=prog, out=out)
