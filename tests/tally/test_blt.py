"""Reading and writing BLT: every variant the reference files use, and errors that name the line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally.ballots import Ballot, Election
from tally.blt import parse_blt, read_blt, write_blt
from tally.errors import FormatError


def test_plain_file_gives_names_seats_title_and_merged_ballots():
    e = parse_blt('3 2\n4 1 2 0\n2 3 0\n1 1 2 0\n0\n"Castor"\n"Pollux"\n"Helen"\n"Title"\n')
    assert e.candidates == ("Castor", "Pollux", "Helen")
    assert e.seats == 2
    assert e.title == "Title"
    assert set(e.ballots) == {Ballot(((0,), (1,)), 5), Ballot(((2,),), 2)}


def test_byte_order_mark_and_unquoted_names_are_read(tmp_path):
    path = tmp_path / "bom.blt"
    path.write_bytes("\ufeff2 1\n3 1 0\n0\nÅsa Öberg\nBob\nWard 1 - Almond\n".encode())
    e = read_blt(path)
    assert e.candidates == ("Åsa Öberg", "Bob")
    assert e.title == "Ward 1 - Almond"


def test_text_that_is_not_utf8_is_read_as_windows_1252(tmp_path):
    path = tmp_path / "latin.blt"
    path.write_bytes('2 1\n1 1 0\n0\n"Caf\xe9"\n"B"\n"t"\n'.encode("latin-1"))
    assert read_blt(path).candidates == ("Café", "B")


def test_doubled_quotes_inside_a_name_are_one_quote():
    e = parse_blt('2 1\n1 1 0\n0\n"Grn ""Richie BRIAN"""\n""Carol Becker""\n"t"\n')
    assert e.candidates == ('Grn "Richie BRIAN"', "Carol Becker")


def test_several_quoted_strings_on_a_line_are_one_name_when_names_are_one_per_line():
    e = parse_blt('2 1\n1 1 0\n0\n"Yvonne ALLAN" "Labour"\n"Bob" "Green"\n"Ward"\n')
    assert e.candidates == ("Yvonne ALLAN Labour", "Bob Green")


def test_several_quoted_names_on_one_line_are_several_candidates():
    e = parse_blt('3 1\n1 1 0\n0\n"A" "B" "C"\n"Title"\n')
    assert e.candidates == ("A", "B", "C")
    assert e.title == "Title"


def test_names_only_in_alternative_name_comments_are_used():
    text = "2 1\n1 2 1 0\n0\n# ALTERNATIVE NAME 1: Gary Barton (Ind)\n"
    text += "# ALTERNATIVE NAME 2: Ruth Simpson (Lab)\nCalton ward\n"
    e = parse_blt(text)
    assert e.candidates == ("Gary Barton (Ind)", "Ruth Simpson (Lab)")
    assert e.title == "Calton ward"


def test_withdrawn_by_negative_number_and_by_option():
    e = parse_blt('3 1\n-2\n[withdrawn 3]\n1 1 2 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    assert e.withdrawn == frozenset({1, 2})


def test_nicknames_tie_order_and_equal_rankings():
    e = parse_blt('3 2\n[nick a b c]\n[tie c b a]\n5 a b=c 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    assert e.tie_order == (2, 1, 0)
    assert e.nicknames == ("a", "b", "c")
    assert e.ballots == (Ballot(((0,), (1, 2)), 5),)


def test_a_ballot_stops_at_a_skipped_preference():
    e = parse_blt('3 1\n1 1 - 2 0\n1 2 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    assert set(e.ballots) == {Ballot(((0,),), 1), Ballot(((1,), (2,)), 1)}


@pytest.mark.parametrize(
    "ballots",
    [
        "1 1 2 0\n1 2 3 2 1 0\n",  # plain lines: the fast reader hands over to the careful one
        "1 1 2 0\n(b2) 1 2 3 2 1 0\n",  # a ballot id: the careful reader throughout
        "1 1 2 0\n1 2 3=2 0\n",  # twice within an equal ranking
        "1 1 2 0\n1 2 - 2 0\n",  # twice, the second after a skipped preference
    ],
)
def test_a_candidate_given_twice_on_one_ballot_is_refused_naming_the_line(ballots):
    with pytest.raises(FormatError) as caught:
        parse_blt(f'3 1\n{ballots}0\n"A"\n"B"\n"C"\n"t"\n', "twice.blt")
    assert caught.value.line == 3
    assert "candidate 2 is given more than one preference" in str(caught.value)


@pytest.mark.parametrize("first", [True, False])
def test_a_negative_weight_is_refused_as_such_naming_the_line(first):
    lines = "-2 1 2 0\n1 2 0\n" if first else "1 2 0\n-2 1 2 0\n"
    with pytest.raises(FormatError) as caught:
        parse_blt(f'2 1\n{lines}0\n"A"\n"B"\n"t"\n', "neg.blt")
    assert caught.value.line == (2 if first else 3)
    assert "a ballot's weight cannot be negative (-2)" in str(caught.value)


@pytest.mark.parametrize(
    ("ballots", "expected"),
    [
        # a "0" inside one line and none at the end of another: not read as three ballots
        ("1 1 0 2 0\n1 3 1\n1 2 0\n", FormatError),
        ("1 1 2 0\n3 2 0\n1 1 2 0\n1 0\n0 3 0\n", {"\x01\x02": 2, "\x02": 3, "": 1, "\x03": 0}),
        ("1 1 2 0\n1  2 0\n", {"\x01\x02": 1, "\x02": 1}),  # two spaces: careful reader
        ("2 1 2 0\n1 1 2 0\n", {"\x01\x02": 3}),
    ],
)
def test_the_fast_and_the_careful_reader_agree(ballots, expected):
    text = f'3 1\n{ballots}0\n"A"\n"B"\n"C"\n"t"\n'
    if expected is FormatError:
        with pytest.raises(FormatError):
            parse_blt(text)
        return
    e = parse_blt(text)
    assert {"".join(chr(c + 1) for (c,) in r): w for r, w in e.ballots} == expected
    assert e.prefix_index is not None
    assert e.prefix_index.total == sum(w for k, w in expected.items() if k)


def test_ballot_ids_are_accepted_and_ignored():
    e = parse_blt('2 1\n(p1) 1 1 2 0\n(p2) 1 1 2 0\n0\n"A"\n"B"\n"t"\n')
    assert e.ballots == (Ballot(((0,), (1,)), 2),)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("5 1,\n786 1 0,\n", 1, "seats must be a whole number"),
        ('2 1\n1 1 3 0\n0\n"A"\n"B"\n', 2, "candidate 3 does not exist"),
        ('2 1\n1 1 2\n0\n"A"\n"B"\n', 2, "must end with 0"),
        ("2 1\n1 1 0\n", 2, "ends early"),
        ('2 1\n1 1 0\n0\n"A"\n', 4, "expected 2 candidate names"),
        ('2 1\nx 1 0\n0\n"A"\n"B"\n', 2, "weight must be a whole number"),
    ],
)
def test_malformed_files_are_rejected_naming_the_line(text, line, words):
    with pytest.raises(FormatError) as caught:
        parse_blt(text, "bad.blt")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"bad.blt:{line}: ")
    assert words in str(caught.value)


def test_writer_output_reads_back_as_the_same_election():
    e = Election(
        candidates=('Q "uote"', "Ünï", "C"),
        seats=2,
        ballots=(Ballot(((0,), (1, 2)), 3), Ballot((), 1), Ballot(((2,),), 2)),
        title="A title",
        withdrawn=frozenset({1}),
        tie_order=(2, 0, 1),
    )
    assert parse_blt(write_blt(e)) == e


@settings(max_examples=300)
@given(
    names=st.lists(st.text(max_size=12), min_size=1, max_size=4),
    title=st.text(max_size=12),
)
def test_any_name_and_title_round_trip_through_blt(names: list[str], title: str) -> None:
    """Issue 17: a newline, a control character, quotes, ``#`` or a backslash in a name or
    title is written so that the file still reads back as the same election."""
    e = Election(tuple(names), 1, (Ballot(((0,),), 1),), title=title)
    text = write_blt(e)
    assert parse_blt(text) == e
    assert len(text.splitlines()) == 3 + len(names) + 1


def test_a_name_with_a_line_break_stays_on_its_line() -> None:
    e = Election(("Ada\nLovelace", 'Bea "B" #1', "C:\\u{41}"), 1, (Ballot(((0,),), 1),))
    text = write_blt(e)
    assert '"Ada\\u{A}Lovelace"' in text
    assert parse_blt(text) == e
