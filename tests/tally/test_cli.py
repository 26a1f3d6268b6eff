"""``python -m tally``: count, JSON output, recount, and clear errors instead of tracebacks."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tally.cli import main

BLT = '4 2\n6 1 2 0\n1 1 3 0\n1 2 0\n2 3 0\n1 4 0\n0\n"Ann"\n"Ben"\n"Cat"\n"Dee"\n"Ward 9"\n'


@pytest.fixture
def ballot_file(tmp_path):
    path = tmp_path / "ward.blt"
    path.write_text(BLT, encoding="utf-8")
    return path


def test_count_prints_a_result_sheet_with_the_elected(ballot_file, capsys):
    assert main(["count", str(ballot_file)]) == 0
    out = capsys.readouterr().out
    assert "Rule: scottish" in out
    assert "Quota: 4.00000" in out
    assert "Elected, in order of election:\n  1. Ann\n  2. Ben" in out


def test_json_output_is_deterministic_and_names_rule_seats_elected_stages(ballot_file, capsys):
    main(["count", str(ballot_file), "--json"])
    first = capsys.readouterr().out
    main(["count", str(ballot_file), "--json"])
    assert capsys.readouterr().out == first
    doc = json.loads(first)
    assert doc["rule"] == "scottish"
    assert doc["seats"] == 2
    assert doc["elected"] == ["Ann", "Ben"]
    assert doc["stages"][1]["action"] == "surplus"


def test_one_seat_counts_by_irv_by_default(ballot_file, capsys):
    assert main(["count", str(ballot_file), "--seats", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "irv"


def test_recount_matches_stage_by_stage(ballot_file, tmp_path, capsys):
    main(["count", str(ballot_file), "--json", "--seed", "s"])
    result = tmp_path / "result.json"
    result.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["recount", str(result), str(ballot_file)]) == 0
    out = capsys.readouterr().out
    assert "stage 2 (surplus): matches" in out
    assert "matches the published result at every stage" in out


def test_recount_of_an_altered_result_names_the_first_differing_stage(
    ballot_file, tmp_path, capsys
):
    main(["count", str(ballot_file), "--json"])
    doc = json.loads(capsys.readouterr().out)
    doc["stages"][1]["votes"]["Ben"] = "9.00000"
    result = tmp_path / "result.json"
    result.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["recount", str(result), str(ballot_file)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS at stage 2: votes of Ben: published 9.00000" in out


def test_a_malformed_file_exits_2_with_file_and_line_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.blt"
    bad.write_text("5 1,\n786 1 0,\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "tally", "count", str(bad)], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert f"{bad}:1:" in run.stderr
    assert "Traceback" not in run.stderr


def test_equal_rankings_under_scottish_rules_exit_2(tmp_path, capsys):
    path = tmp_path / "eq.blt"
    path.write_text('2 1\n1 1=2 0\n0\n"A"\n"B"\n"t"\n', encoding="utf-8")
    assert main(["count", str(path), "--rule", "scottish"]) == 2
    assert "rank candidates equal" in capsys.readouterr().err


def test_a_recount_of_something_that_is_not_a_result_exits_2(ballot_file, tmp_path, capsys):
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]", encoding="utf-8")
    assert main(["recount", str(junk), str(ballot_file)]) == 2
    assert "not a tally result document" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("tally.meek") is None, reason="no tally.meek")
def test_equal_rankings_are_counted_by_meek_by_default(tmp_path, capsys):
    path = tmp_path / "eq.blt"
    path.write_text('3 2\n5 1 2 0\n1 2=3 0\n3 3 0\n0\n"A"\n"B"\n"C"\n"t"\n', encoding="utf-8")
    assert main(["count", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == "meek"


def _constraints_file(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / "constraints.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_a_constraints_file_beside_the_blt_changes_the_count_as_the_rule_says(
    ballot_file, tmp_path, capsys
):
    # Unconstrained: Ann and Ben. At least one of Cat and Dee (women) must be elected.
    path = _constraints_file(
        tmp_path,
        {
            "constraints": [{"attribute": "gender", "value": "woman", "at_least": 1}],
            "candidates": {"Cat": {"gender": "woman"}, "Dee": {"gender": "woman"}},
        },
    )
    assert main(["count", str(ballot_file), "--manifest", path, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["elected"] == ["Ann", "Cat"]
    assert any("constraints: at least 1 of the seats to 'gender=woman'" in n for n in doc["notes"])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"constraints": [], "candidates": {"Eve": {}}},
            "candidate 'Eve' is not in the ballot file",
        ),
        (
            {
                "constraints": [
                    {"attribute": "gender", "value": "woman", "at_least": 2, "at_most": 1}
                ]
            },
            "at_least (2) is more than at_most (1)",
        ),
        ({"constraints": [{"value": "woman", "at_least": 1}]}, "needs attribute, value"),
        ({"seats": 2}, "no constraints in it"),
        (
            {
                "options": [{"name": "Ann"}, {"name": "Ben"}, {"name": "Cat"}],
                "constraints": [],
            },
            "the ballot file's candidate 'Dee' is not in it",
        ),
    ],
)
def test_a_manifest_that_does_not_fit_the_blt_exits_2_naming_the_problem(
    ballot_file, tmp_path, capsys, document, message
):
    path = _constraints_file(tmp_path, document)
    assert main(["count", str(ballot_file), "--manifest", path]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
