"""Hypothesis strategies for motion texts and amendments, shared by the assembly property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from assembly.motions.text import ACTIONS, Edit, Lines, overlaps

__all__ = ["edits_for", "motion_texts", "non_overlapping_edits", "paragraphs"]


def paragraphs(max_size: int = 3) -> st.SearchStrategy[Lines]:
    """A few short, distinct-looking paragraphs (new text of a replacement or insertion)."""
    return st.lists(st.text("abcxyz ", min_size=1, max_size=6), min_size=1, max_size=max_size).map(
        tuple
    )


def motion_texts(max_lines: int = 12) -> st.SearchStrategy[Lines]:
    """A motion's text: numbered lines whose content names their number, so a misplaced line
    shows in a failing example."""
    return st.integers(min_value=1, max_value=max_lines).map(
        lambda n: tuple(f"line {i}" for i in range(1, n + 1))
    )


@st.composite
def edits_for(draw: st.DrawFn, length: int) -> Edit:
    """Any edit that fits a text of ``length`` lines."""
    action = draw(st.sampled_from(ACTIONS))
    if action == "insert_after":
        after = draw(st.integers(min_value=0, max_value=length))
        return Edit(action, after, after, draw(paragraphs()))
    start = draw(st.integers(min_value=1, max_value=length))
    end = draw(st.integers(min_value=start, max_value=min(length, start + 3)))
    new = () if action == "delete" else draw(paragraphs())
    return Edit(action, start, end, new)


@st.composite
def non_overlapping_edits(draw: st.DrawFn, length: int, max_edits: int = 6) -> list[Edit]:
    """A set of edits to a text of ``length`` lines of which no two overlap, in any order."""
    chosen: list[Edit] = []
    for edit in draw(st.lists(edits_for(length), max_size=max_edits)):
        if not any(overlaps(edit, other) for other in chosen):
            chosen.append(edit)
    return draw(st.permutations(chosen))
