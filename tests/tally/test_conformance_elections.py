"""Real elections counted under Scottish STV and IRV: they count, balance, and elect the winners
that others published (scot-elex, Edinburgh 2017, Glasgow 2022 and 2007, Dáil 2002, Minneapolis
2009, PrefLib IRV)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tally.blt import read_blt
from tally.errors import FormatError
from tally.preflib import read_preflib
from tally.rules import IRV, SCOTTISH
from tally.transcript import check_balance
from tests.tally.conformance import STV, same_name, stv_dir

pytestmark = pytest.mark.conformance

SCOT_ELEX = sorted((STV / "scotland" / "scot-elex").rglob("*.blt"))
MALFORMED = "perth_kinross_2016_by_election_ward9.blt"
SAMPLE = SCOT_ELEX[::15]


def _count_scot_elex(paths: list[Path]) -> None:
    stv_dir("scotland", "scot-elex")
    counted = 0
    for path in paths:
        if path.name == MALFORMED:
            continue
        election = read_blt(path)
        transcript = SCOTTISH.count(election)
        check_balance(transcript)
        assert len(transcript.elected) == min(election.seats, len(election.continuing)), path
        counted += 1
    assert counted >= len(paths) - 1


def test_a_sample_of_scot_elex_elections_counts_and_balances():
    _count_scot_elex(SAMPLE)


@pytest.mark.slow
def test_every_scot_elex_election_counts_and_balances():
    stv_dir("scotland", "scot-elex")
    assert len(SCOT_ELEX) >= 1100
    _count_scot_elex(SCOT_ELEX)


def test_the_malformed_scot_elex_file_is_rejected_naming_its_line():
    folder = stv_dir("scotland", "scot-elex")
    (path,) = folder.rglob(MALFORMED)
    with pytest.raises(FormatError) as caught:
        read_blt(path)
    assert caught.value.line == 1
    assert str(caught.value).startswith(f"{path}:1: ")


def _winner_files(name: str, prefix: str, base: Path) -> list[tuple[Path, list[str]]]:
    doc = json.loads((stv_dir("scotland") / name).read_text(encoding="utf-8"))
    out = []
    for key, entry in doc["elections"].items():
        winners = (
            entry.get("official_winners") or entry.get("winners") or entry["consensus_winners"]
        )
        out.append((base / key.removeprefix(prefix), winners))
    return out


@pytest.mark.parametrize(
    ("name", "prefix", "base", "wards"),
    [
        ("edinburgh_2017_winners.json", "scot-elex/blt_files/", STV / "scotland/scot-elex", 17),
        ("glasgow_2022_winners.json", "scot-elex/blt_files/", STV / "scotland/scot-elex", 23),
        ("glasgow_2007_winners.json", "droop/test/blt/", STV / "droop/blt", 21),
    ],
)
def test_scottish_council_winners_match_the_published_ones(name, prefix, base, wards):
    elections = _winner_files(name, prefix, base)
    assert len(elections) == wards
    for path, winners in elections:
        elected = SCOTTISH.count(read_blt(path)).elected_names
        assert sorted(map(same_name, elected)) == sorted(map(same_name, winners)), path.name


def test_irish_2002_winners_match_the_official_results():
    folder = stv_dir("irish2002")
    doc = json.loads((folder / "irish_2002_winners.json").read_text(encoding="utf-8"))
    by_title = {e["title"]: e["official_winners"] for e in doc["elections"].values()}
    paths = sorted(folder.glob("*.blt"))
    assert len(paths) == 3
    for path in paths:
        election = read_blt(path)
        elected = SCOTTISH.count(election).elected_names
        assert sorted(elected) == sorted(by_title[election.title]), path.name


@pytest.mark.parametrize(
    ("file", "surnames"),
    [
        # refdata/README.md: "Erwin, Fine, Young; Becker, Wheeler"
        ("mpls_park_atlarge_2009_nowritein.blt", {"Erwin", "Fine", "Young"}),
        ("mpls_bet_2009_nowritein.blt", {"Becker", "Wheeler"}),
    ],
)
def test_minneapolis_2009_winners_match(file, surnames):
    election = read_blt(stv_dir("minneapolis2009") / file)
    elected = SCOTTISH.count(election).elected_names
    assert {name.split()[-1] for name in elected} == surnames


def _count_preflib_irv(every: int) -> None:
    folder = stv_dir("preflib-irv")
    paths = sorted(p for p in folder.rglob("*") if p.suffix in (".soi", ".toi"))
    assert len(paths) > 279
    for path in paths[::every]:
        election = read_preflib(path)
        transcript = IRV.count(election)
        check_balance(transcript)
        assert len(transcript.elected) == 1, path.name


def test_a_sample_of_preflib_irv_elections_counts_and_balances():
    _count_preflib_irv(every=10)


@pytest.mark.slow
def test_every_preflib_irv_election_counts_and_balances():
    _count_preflib_irv(every=1)
