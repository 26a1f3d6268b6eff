"""One SHA-256 over every count the conformance tests make, to prove a change kept them all.

Reads every ballot file under ``../shared/refdata/stv`` (BLT, and PrefLib ``.soi``/``.toi``),
and for each writes one line: the file, a hash of the parsed election (its distinct rankings
sorted, so the order a reader meets them in does not matter) or the reader's error, and for each
rule that applies a hash of the transcript as JSON (every stage, every figure, every note) or
the count's error. Rules: Scottish STV and IRV on every file; Meek (PR Foundation) and the
parametric Meek of stv-rs, with its ``equalize`` and ``floor_each_surplus`` variants, on the
Droop and stv-rs files. The last line is the hash of all the lines.

Run before and after a change and compare: ``.venv/bin/python bench/tally_conformance_hash.py
> before.txt`` (``--quick`` skips the 1,125 scot-elex files but the sample the tests use).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tally.ballots import group_ballots  # noqa: E402
from tally.blt import read_blt, write_blt  # noqa: E402
from tally.errors import TallyError  # noqa: E402
from tally.meek import PARAMETRIC, RULE  # noqa: E402
from tally.preflib import read_preflib  # noqa: E402
from tally.rules import IRV, SCOTTISH  # noqa: E402
from tally.transcript import transcript_to_dict  # noqa: E402

STV = ROOT.parent / "shared" / "refdata" / "stv"
MEEK_RULES = {
    "meek": RULE,
    "parametric": PARAMETRIC,
    "parametric-equalize": replace(PARAMETRIC, equalize=True),
    "parametric-floor-each": replace(PARAMETRIC, floor_each_surplus=True),
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def line_for(path: Path) -> str:
    """The file's line: the election's hash and each rule's transcript hash (or error)."""
    rel = path.relative_to(STV)
    try:
        preflib = path.suffix in (".soi", ".toi")
        election = read_preflib(path) if preflib else read_blt(path)
    except TallyError as exc:
        return f"{rel}\tread-error {_digest(str(exc).replace(str(path), str(rel)))}"
    canonical = replace(election, ballots=tuple(sorted(group_ballots(election.ballots))))
    parts = [f"{rel}", f"election {_digest(write_blt(canonical))}"]
    rules: dict[str, object] = {"scottish": SCOTTISH, "irv": IRV}
    big = path.stat().st_size > 200_000
    if rel.parts[0] in ("droop", "stv-rs") and not big:
        rules.update(MEEK_RULES)
    for name, rule in rules.items():
        try:
            transcript = rule.count(election, seed="conformance")  # type: ignore[attr-defined]
        except TallyError as exc:
            parts.append(f"{name} error {_digest(str(exc))}")
            continue
        doc = json.dumps(transcript_to_dict(transcript), sort_keys=True)
        parts.append(f"{name} {_digest(doc)}")
    return "\t".join(parts)


def main(argv: list[str]) -> int:
    """Print one line per file and the hash of them all."""
    if not STV.exists():
        print(f"reference data not present: {STV}")
        return 1
    paths = sorted(p for p in STV.rglob("*") if p.suffix in (".blt", ".soi", ".toi"))
    if "--quick" in argv:
        scot = [p for p in paths if "scot-elex" in p.parts]
        paths = [p for p in paths if "scot-elex" not in p.parts] + scot[::15]
    lines = [line_for(p) for p in paths]
    for line in lines:
        print(line)
    print(f"ALL {len(lines)} files {hashlib.sha256(chr(10).join(lines).encode()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
