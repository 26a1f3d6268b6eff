"""Golden files: small BLT inputs with their expected stage-by-stage results, checked in.

Each ``tests/tally/golden/<rule>-<case>.blt`` is counted under ``<rule>`` with the seed
``golden``; the result sheet must equal ``<rule>-<case>.txt`` and the JSON document
``<rule>-<case>.json``, byte for byte. So the core's behaviour is pinned even where
``../shared/refdata`` is absent. How the files were made and reviewed: ``golden/README.md``.
To write them again after a reviewed change of behaviour:
``.venv/bin/python -m tests.tally.test_golden --write`` (then review the diff by hand).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tally.blt import read_blt
from tally.report import result_json, result_sheet
from tally.rules import rule_named

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(GOLDEN.glob("*.blt"))
SEED = "golden"


def outputs(blt: Path) -> tuple[str, str]:
    """The result sheet and JSON document of ``blt`` under the rule its name starts with."""
    rule = rule_named(blt.stem.split("-", 1)[0])
    transcript = rule.count(read_blt(blt), seed=SEED)
    return result_sheet(transcript), result_json(transcript)


def test_every_rule_has_golden_cases() -> None:
    rules = {p.stem.split("-", 1)[0] for p in CASES}
    assert rules == {"scottish", "irv", "meek"}
    assert all(sum(p.stem.startswith(r + "-") for p in CASES) >= 3 for r in rules)


@pytest.mark.parametrize("blt", CASES, ids=lambda p: p.stem)
def test_the_count_matches_its_golden_files(blt: Path) -> None:
    sheet, doc = outputs(blt)
    assert sheet == blt.with_suffix(".txt").read_text(encoding="utf-8")
    assert doc == blt.with_suffix(".json").read_text(encoding="utf-8")


def _write() -> None:
    for blt in CASES:
        sheet, doc = outputs(blt)
        blt.with_suffix(".txt").write_text(sheet, encoding="utf-8")
        blt.with_suffix(".json").write_text(doc, encoding="utf-8")
        print(f"wrote {blt.stem}.txt and .json")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.tally.test_golden --write")
    _write()
