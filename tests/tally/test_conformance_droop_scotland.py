"""Stage-by-stage agreement with Droop's ``scotland`` reports (fixed point, 5 decimals).

Every Glasgow 2007 ward and Droop's small Scottish-rule edge cases are counted and compared,
after each transfer, to the last printed decimal: every candidate's votes and the
non-transferable votes. Two things are lined up first, both documented in Droop: Droop writes a
row for transferring a surplus of exactly zero (a candidate elected on exactly the quota), which
SSI 2007/42 rule 48(1) does not make a stage, so a row identical to the one before it is not
compared (on both sides); and where Droop breaks a tie "by lot" it takes candidates in file order,
so those few small files are counted with that order given as the ``[tie]`` order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tally.arithmetic import format_fixed
from tally.blt import read_blt
from tally.rules import SCOTTISH
from tally.transcript import check_balance
from tests.tally.conformance import STV, droop_dump_stages, droop_final_elected, stv_dir

pytestmark = pytest.mark.conformance

GLASGOW = sorted((STV / "droop" / "blt" / "scotland").glob("*.blt"))
EDGE_CASES = sorted(
    p
    for p in (STV / "droop" / "blt").glob("*.blt")
    if (STV / "droop" / "ref" / "dump" / f"{p.stem}-scotland-fixed-p5-d5.txt").exists()
)


def _dedup(rows: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    out = rows[:1]
    for row in rows[1:]:
        if row[:2] != out[-1][:2]:
            out.append(row)
    return out


def _compare(blt: Path, dump: Path) -> None:
    election = read_blt(blt)
    names = tuple(" ".join(c.split()) for c in election.candidates)
    election = dataclasses.replace(
        election,
        candidates=names,
        tie_order=election.tie_order or tuple(range(len(names))),
    )
    transcript = SCOTTISH.count(election)
    check_balance(transcript)
    ours = _dedup(
        [
            (
                format_fixed(s.non_transferable, 5),
                {
                    names[c]: format_fixed(v, 5)
                    for c, v in enumerate(s.votes)
                    if c not in election.withdrawn
                },
            )
            for s in transcript.stages
        ]
    )
    theirs = _dedup([(nt, votes) for nt, votes, _ in droop_dump_stages(dump)])
    for k, (mine, droop) in enumerate(zip(ours, theirs, strict=False), start=1):
        assert mine == droop, f"{blt.name}: compared stage {k} differs"
    assert len(ours) == len(theirs), f"{blt.name}: {len(ours)} stages, Droop {len(theirs)}"
    assert set(transcript.elected_names) == droop_final_elected(dump)


@pytest.mark.parametrize("blt", GLASGOW, ids=lambda p: p.stem)
def test_glasgow_2007_ward_agrees_with_droop_at_every_stage(blt):
    folder = stv_dir("droop", "ref", "dump", "scotland")
    _compare(blt, folder / f"{blt.stem}-scotland-fixed-p5-d5.txt")


@pytest.mark.parametrize("blt", EDGE_CASES, ids=lambda p: p.stem)
def test_droop_scottish_edge_case_agrees_at_every_stage(blt):
    folder = stv_dir("droop", "ref", "dump")
    _compare(blt, folder / f"{blt.stem}-scotland-fixed-p5-d5.txt")


def test_all_glasgow_wards_are_present():
    stv_dir("droop", "blt", "scotland")
    assert len([p for p in GLASGOW if p.stem.endswith("2007")]) == 21
