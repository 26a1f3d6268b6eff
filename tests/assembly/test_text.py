"""Amendments as edits of numbered lines: applying, rendering, falling (issue 6), pure."""

from __future__ import annotations

import pytest

from assembly.motions.text import AmendmentError, DiffLine, Edit, apply, check_edit, diff, rebase

MOTION = ("Conference notes the cost of living.", "Conference believes in fair rents.", "Act.")


def test_replace_delete_and_insert_read_as_a_member_expects() -> None:
    assert apply(MOTION, Edit("replace", 2, 2, ("Conference believes in rent caps.",))) == (
        MOTION[0],
        "Conference believes in rent caps.",
        MOTION[2],
    )
    assert apply(MOTION, Edit("delete", 1, 2)) == (MOTION[2],)
    assert apply(MOTION, Edit("insert_after", 0, 0, ("Preamble.",))) == ("Preamble.", *MOTION)
    assert apply(MOTION, Edit("insert_after", 3, 3, ("Coda.",))) == (*MOTION, "Coda.")


def test_diff_marks_deleted_lines_with_their_numbers_and_new_text_without() -> None:
    shown = diff(MOTION, Edit("replace", 2, 2, ("New.",)))
    assert shown == [
        DiffLine(1, MOTION[0], "unchanged"),
        DiffLine(2, MOTION[1], "deleted"),
        DiffLine(None, "New.", "inserted"),
        DiffLine(3, MOTION[2], "unchanged"),
    ]
    assert diff(MOTION, Edit("insert_after", 0, 0, ("First.",)))[0] == DiffLine(
        None, "First.", "inserted"
    )


def test_amendment_to_lines_a_carried_one_changed_falls() -> None:
    carried = Edit("replace", 2, 3, ("One line now.",))
    assert rebase(Edit("delete", 3, 3), carried) is None
    assert rebase(Edit("insert_after", 2, 2, ("x",)), carried) is None
    # After the block: renumbered, not fallen.
    assert rebase(Edit("insert_after", 3, 3, ("x",)), carried) == Edit("insert_after", 2, 2, ("x",))
    assert rebase(Edit("delete", 5, 6), carried) == Edit("delete", 4, 5)
    assert rebase(Edit("delete", 1, 1), carried) == Edit("delete", 1, 1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (Edit("delete", 2, 4), "not a range of this text"),
        (Edit("delete", 0, 1), "not a range of this text"),
        (Edit("insert_after", 4, 4, ("x",)), "no line 4 to insert after"),
        (Edit("insert_after", 1, 2, ("x",)), "start = end"),
        (Edit("insert_after", 1, 1), "at least one paragraph"),
        (Edit("replace", 1, 1), "needs the new text"),
        (Edit("delete", 1, 1, ("x",)), "has no new text"),
    ],
)
def test_edits_that_do_not_fit_are_refused_saying_why(edit: Edit, message: str) -> None:
    with pytest.raises(AmendmentError, match=message):
        check_edit(edit, len(MOTION))
