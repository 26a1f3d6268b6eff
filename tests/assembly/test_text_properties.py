"""Properties of amendments as line-range edits (issue 6, "Amendments"), pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assembly.motions.text import Edit, apply, apply_bottom_up, apply_in_order, overlaps, rebase
from tests.assembly.strategies import edits_for, motion_texts, non_overlapping_edits


@given(st.data())
def test_amendments_in_order_give_the_same_text_as_bottom_up(data: st.DataObject) -> None:
    lines = data.draw(motion_texts())
    edits = data.draw(non_overlapping_edits(len(lines)))
    assert apply_in_order(lines, edits) == apply_bottom_up(lines, edits)


@given(st.data())
def test_rebased_amendment_changes_the_same_original_lines(data: st.DataObject) -> None:
    """Making ``first`` then ``second`` rebased is making ``second`` then ``first`` rebased."""
    lines = data.draw(motion_texts())
    first = data.draw(edits_for(len(lines)))
    second = data.draw(edits_for(len(lines)))
    later = rebase(second, first)
    if overlaps(first, second):
        assert later is None
        return
    assert later is not None
    one_way = apply(apply(lines, first), later)
    earlier = rebase(first, second)
    assert earlier is not None
    other_way = apply(apply(lines, second), earlier)
    if first.action == second.action == "insert_after" and first.start == second.start:
        # Two insertions at one place: the same lines, the one made first reading first.
        assert sorted(one_way) == sorted(other_way)
        return
    assert one_way == other_way


@given(st.data())
def test_every_untouched_line_survives_in_order(data: st.DataObject) -> None:
    lines = data.draw(motion_texts())
    edits: list[Edit] = data.draw(non_overlapping_edits(len(lines)))
    changed = {n for e in edits if e.action != "insert_after" for n in range(e.start, e.end + 1)}
    kept = [line for n, line in enumerate(lines, start=1) if n not in changed]
    result = apply_in_order(lines, edits)
    assert [line for line in result if line.startswith("line ")] == kept
