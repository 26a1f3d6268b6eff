"""Names, titles and options refuse control and invisible characters, naming the field; one
ballot's options and candidates refuse look-alikes."""

from __future__ import annotations

import msgspec
import pytest

from schemas.assemblies import MotionCreate
from schemas.contests import ContestCreate
from schemas.text import skeleton, text_problem


def _contest(**fields: object) -> ContestCreate:
    body = {"title": "Leader", "kind": "election", "seats": 1, **fields}
    return msgspec.json.decode(msgspec.json.encode(body), type=ContestCreate)


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "a\x00b"), ("title", "two\nlines"), ("title", "zero\u200bwidth")],
)
def test_a_title_with_a_control_or_invisible_character_is_refused_by_name(field, value):
    with pytest.raises(msgspec.ValidationError, match=f"^{field} holds"):
        _contest(**{field: value}, candidates=[{"name": "A"}, {"name": "B"}])


def test_a_candidate_name_with_a_line_break_names_the_candidate():
    with pytest.raises(msgspec.ValidationError, match=r"name holds a control character, U\+000A"):
        _contest(candidates=[{"name": "Alice\nSmith"}, {"name": "Bob"}])


def test_paragraphs_may_break_lines_but_not_hold_nul_or_direction_overrides():
    ok = {"title": "T", "category": "policy", "paragraphs": ["one\r\ntwo\tthree"]}
    msgspec.json.decode(msgspec.json.encode(ok), type=MotionCreate)
    for bad in ("nul\x00", "flip\u202eit"):
        body = {**ok, "paragraphs": ["fine", bad]}
        with pytest.raises(msgspec.ValidationError, match=r"paragraphs\[1\] holds"):
            msgspec.json.decode(msgspec.json.encode(body), type=MotionCreate)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Alice", "Ali\u200bce"), ("for", "f\u043er"), ("Ｂob", "bob"), ("Ann  Lee", "Ann Lee")],
)
def test_lookalike_candidates_on_one_ballot_are_refused(a, b):
    assert skeleton(a) == skeleton(b)
    # The one with an invisible character is refused as text already; the others as look-alikes.
    why = "invisible character" if "\u200b" in b else "look the same on a ballot"
    with pytest.raises(msgspec.ValidationError, match=why):
        _contest(candidates=[{"name": a}, {"name": "Carol"}, {"name": b}])


def test_lookalike_options_are_refused():
    with pytest.raises(msgspec.ValidationError, match="options: 'for' and 'fοr'"):
        _contest(kind="referendum", options=["for", "f\u03bfr"])


def test_ordinary_names_in_many_scripts_pass():
    for name in ("Siân Gwenllian", "Ó Súilleabháin", "Zoë", "Łukasz", "Олена", "李华"):
        assert text_problem(name) is None
    assert skeleton("Siân") != skeleton("Sian")
