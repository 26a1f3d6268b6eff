"""Reading a roll: every bad line is named, and nothing half-read is returned."""

from __future__ import annotations

import pytest

from roll.parse import RollError, canonical_roll_line, parse_roll, roll_digest

HEADER = "membership_number,name,email,branch,region,status,gender\n"


def _problems(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(RollError) as caught:
        parse_roll(data)
    return [(p.line, p.message) for p in caught.value.problems]


def test_good_roll_is_read_with_attributes() -> None:
    rows = parse_roll(
        (
            HEADER
            + "A1,Ann Bell,ann@x.org,glasgow,sco,Active,woman\n"
            + "A2,Bo Chan,bo@x.org,cardiff,WAL,lapsed,\n"
        ).encode()
    )
    assert [r.membership_number for r in rows] == ["A1", "A2"]
    assert rows[0].region == "SCO"
    assert rows[0].status == "active"
    assert rows[0].attributes == {"gender": "woman"}
    assert rows[1].attributes == {}


def test_byte_order_mark_is_accepted() -> None:
    rows = parse_roll(b"\xef\xbb\xbf" + (HEADER + "A1,Ann,a@x.org,glasgow,SCO,active,\n").encode())
    assert len(rows) == 1


def test_every_bad_line_is_listed() -> None:
    data = (
        HEADER
        + "A1,Ann,a@x.org,glasgow,SCO,active,\n"
        + "A2,Bo,bo@x.org,glasgow,SCO,member,\n"  # unknown status
        + "A1,Cy,cy@x.org,glasgow,SCO,active,\n"  # duplicate number
        + "A4,Di,not-an-email,glasgow,SCO,active,\n"
        + "A5,Ed,ed@x.org,glasgow,SCO\n"  # missing fields
        + "A6,Flo,flo@x.org,glasgow,WAL,active,\n"  # branch in two regions
    ).encode()
    problems = _problems(data)
    lines = sorted({line for line, _ in problems})
    assert lines == [3, 4, 5, 6, 7]
    text = " ".join(m for _, m in problems)
    assert "status 'member'" in text
    assert "also on line 2" in text
    assert "not an email" in text
    assert "has 5 fields" in text
    assert "two regions" in text


def test_missing_column_is_named() -> None:
    problems = _problems(b"membership_number,name,email,branch,status\nA1,Ann,a@x.org,g,active\n")
    assert problems == [(1, "missing column(s): region")]


def test_bad_encoding_names_the_line() -> None:
    data = (
        HEADER + "A1,Ann,a@x.org,glasgow,SCO,active,\n"
    ).encode() + b"A2,B\xe9a,b@x.org,glasgow,SCO,active,\n"
    problems = _problems(data)
    assert problems[0][0] == 3
    assert "UTF-8" in problems[0][1]


def test_empty_file_and_header_only_are_rejected() -> None:
    assert "empty" in _problems(b"")[0][1]
    assert "no members" in _problems(HEADER.encode())[0][1]


def test_digest_is_over_canonical_lines() -> None:
    line = canonical_roll_line(
        "A1", "Ann", "a@x.org", "glasgow", "SCO", "active", {"gender": "woman"}
    )
    assert line == b'["A1","Ann","a@x.org","glasgow","SCO","active",{"gender":"woman"}]\n'
    assert roll_digest([line]) == roll_digest([line])
    assert roll_digest([line]) != roll_digest([line, line])


def test_control_and_invisible_characters_are_refused_with_line_and_field() -> None:
    """Issue 17: a name that would break a contest's BLT (or hide a look-alike) never enters
    the roll; the line and the field are named, and nothing is imported."""
    data = (
        HEADER
        + "A1,Ann,a@x.org,glasgow,SCO,active,\n"
        + 'A2,"Bo\nChan",bo@x.org,glasgow,SCO,active,\n'  # a line break inside the name
        + "A3,Cy\u200b,cy@x.org,glasgow,SCO,active,\n"  # a zero-width space
        + "A4,Di,di@x.org,glasgow,SCO,active,wo\x07man\n"  # a bell in an attribute
    ).encode()
    problems = _problems(data)
    assert [line for line, _ in problems] == [4, 5, 6]
    assert problems[0][1].startswith("name holds a control character, U+000A")
    assert problems[1][1].startswith("name holds an invisible character, U+200B")
    assert problems[2][1].startswith("gender holds a control character, U+0007")


def test_a_name_or_email_passing_for_another_members_is_refused_naming_both_lines() -> None:
    """Issue 17: ``Alice Jones`` with a Cyrillic ``А``, or an email with a Cyrillic ``о``,
    would pass for another member on a ballot or in a sign-in mail. Two members with the same
    name written the same way are two people; case alone does not make an email another."""
    data = (
        HEADER
        + "A1,Alice Jones,alice@x.org,glasgow,SCO,active,\n"
        + "A2,\u0410lice Jones,alice2@x.org,glasgow,SCO,active,\n"  # Cyrillic capital A
        + "A3,Bob Reid,bob@x.org,glasgow,SCO,active,\n"
        + "A4,Bob Reid,b\u043eb@x.org,glasgow,SCO,active,\n"  # same name; Cyrillic o in email
        + "A5,Cat Lee,CAT@x.org,glasgow,SCO,active,\n"
    ).encode()
    problems = _problems(data)
    assert [line for line, _ in problems] == [3, 5]
    assert problems[0][1] == (
        "name '\u0410lice Jones' looks the same as 'Alice Jones' on line 2 but is written with "
        "other characters; type it in one alphabet"
    )
    assert problems[1][1].startswith("email 'b\u043eb@x.org' looks the same as 'bob@x.org'")
    parse_roll((HEADER + "A1,Bob Reid,bob@x.org,glasgow,SCO,active,\n"
                + "A2,Bob Reid,BOB2@x.org,glasgow,SCO,active,\n").encode())  # fmt: skip
