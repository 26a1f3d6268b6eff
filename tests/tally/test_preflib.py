"""Reading PrefLib .soi/.toi files: names from the header, overvotes stop a paper."""

from __future__ import annotations

import pytest

from tally.ballots import Ballot
from tally.errors import FormatError
from tally.preflib import parse_preflib

HEADER = (
    "# TITLE: Test City 2009\n# NUMBER ALTERNATIVES: 3\n"
    "# ALTERNATIVE NAME 1: Ann\n# ALTERNATIVE NAME 2: Ben\n# ALTERNATIVE NAME 3: Cat\n"
)


def test_orders_are_read_with_their_counts_and_names():
    e = parse_preflib(HEADER + "31: 3,1\n5: 2\n")
    assert e.title == "Test City 2009"
    assert e.candidates == ("Ann", "Ben", "Cat")
    assert e.seats == 1
    assert set(e.ballots) == {Ballot(((2,), (0,)), 31), Ballot(((1,),), 5)}


def test_a_tie_group_is_an_overvote_that_stops_the_paper_there():
    e = parse_preflib(HEADER + "2: 3,{1,2}\n1: {1,2},3\n4: 1,{2},3\n")
    assert set(e.ballots) == {
        Ballot(((2,),), 2),
        Ballot((), 1),
        Ballot(((0,), (1,), (2,)), 4),
    }


def test_an_unknown_alternative_names_the_line():
    with pytest.raises(FormatError) as caught:
        parse_preflib(HEADER + "1: 1\n2: 4\n", "x.toi")
    assert caught.value.line == 7
    assert "alternative 4 does not exist" in str(caught.value)
