"""A motion's text as numbered lines, and amendments to it as line-range edits.

A motion is a sequence of paragraphs; paragraph *n* is line *n* (1-based), and the numbering of
the text as submitted is the one every amendment refers to. An amendment deletes lines
``start..end``, replaces them with new paragraphs, or inserts new paragraphs after line
``start`` (``0`` inserts before the first line). Pure functions only: the order amendments are
voted in (``vote_order``), applying one (``apply``), carrying a later amendment's line range
over a carried one (``rebase``, which says when the later one falls), and the diff shown to
members (``diff``). See docs/ARCHITECTURE.md.

Two amendments *overlap* when they touch a common line, or when one inserts inside the block
the other deletes or replaces (inserting just before or just after the block does not
overlap). For a set that does not overlap, applying them one by one in ``vote_order`` while
rebasing the later ones gives exactly the text obtained by applying them from the bottom up in
the original numbering (``apply_bottom_up``); a property test proves it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from audit.canonical import canonical_json
from audit.events import digest_of

__all__ = [
    "ACTIONS",
    "AmendmentError",
    "DiffLine",
    "Edit",
    "Lines",
    "apply",
    "apply_bottom_up",
    "apply_in_order",
    "check_edit",
    "diff",
    "falls_if_carried",
    "overlaps",
    "rebase",
    "text_digest",
    "vote_order",
]

Action = Literal["delete", "replace", "insert_after"]
ACTIONS: tuple[Action, ...] = ("delete", "replace", "insert_after")

Lines = tuple[str, ...]
"""A text as paragraphs; line *n* is ``lines[n - 1]``."""


class AmendmentError(ValueError):
    """An edit that does not fit the text it targets; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One amendment as an edit: ``start..end`` (inclusive) for delete and replace; for
    ``insert_after`` ``start == end`` is the line after which ``paragraphs`` go."""

    action: Action
    start: int
    end: int
    paragraphs: Lines = ()

    @property
    def position(self) -> int:
        """Where the edit sits, in half-lines: ``2 × start`` for a block, ``2 × after + 1``
        for an insertion (between line ``after`` and the next). Sorting by it is the order of
        the lines the edits touch."""
        return 2 * self.start + 1 if self.action == "insert_after" else 2 * self.start

    def describe(self) -> str:
        """``delete lines 3-4``, ``replace line 2``, ``insert after line 5``."""
        if self.action == "insert_after":
            return (
                "insert at the beginning" if self.start == 0 else f"insert after line {self.start}"
            )
        where = f"line {self.start}" if self.start == self.end else f"lines {self.start}-{self.end}"
        return f"{self.action} {where}"


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a rendered amendment: its number in the motion (``None`` for new text),
    the text, and whether it is ``unchanged``, ``deleted`` or ``inserted``."""

    number: int | None
    text: str
    change: Literal["unchanged", "deleted", "inserted"]


def check_edit(edit: Edit, length: int) -> Edit:
    """``edit`` if it fits a text of ``length`` lines, else ``AmendmentError`` saying why.

    Cost: constant.
    """
    if edit.action == "insert_after":
        if edit.start != edit.end:
            raise AmendmentError("an insertion names one line to insert after (start = end)")
        if not 0 <= edit.start <= length:
            raise AmendmentError(
                f"there is no line {edit.start} to insert after: the text has {length} lines "
                "(0 inserts at the beginning)"
            )
        if not edit.paragraphs:
            raise AmendmentError("an insertion needs at least one paragraph to insert")
        return edit
    if not 1 <= edit.start <= edit.end <= length:
        raise AmendmentError(
            f"lines {edit.start}-{edit.end} are not a range of this text, which has lines "
            f"1-{length}"
        )
    if edit.action == "delete" and edit.paragraphs:
        raise AmendmentError("a deletion has no new text; use replace to substitute text")
    if edit.action == "replace" and not edit.paragraphs:
        raise AmendmentError("a replacement needs the new text; use delete to remove lines")
    return edit


def apply(lines: Sequence[str], edit: Edit) -> Lines:
    """The text with ``edit`` made. Cost: one copy of the text."""
    check_edit(edit, len(lines))
    if edit.action == "insert_after":
        return (*lines[: edit.start], *edit.paragraphs, *lines[edit.start :])
    return (*lines[: edit.start - 1], *edit.paragraphs, *lines[edit.end :])


def overlaps(a: Edit, b: Edit) -> bool:
    """Whether the two edits touch a common line, or one inserts inside the other's block."""
    if a.action == "insert_after" and b.action == "insert_after":
        return False
    if a.action == "insert_after":
        return b.start <= a.start < b.end
    if b.action == "insert_after":
        return a.start <= b.start < a.end
    return a.start <= b.end and b.start <= a.end


def _shift(line: int, carried: Edit) -> int:
    """Where old line ``line`` (not one the carried edit changed) is after it."""
    if carried.action == "insert_after":
        return line + len(carried.paragraphs) if line > carried.start else line
    if line < carried.start:
        return line
    return line + len(carried.paragraphs) - (carried.end - carried.start + 1)


def rebase(later: Edit, carried: Edit) -> Edit | None:
    """``later``'s line range in the text as ``carried`` left it, or ``None`` when ``carried``
    changed lines ``later`` touches (so ``later`` falls). Cost: constant.

    An insertion after the last line of a carried block goes after the block's new text; an
    insertion at the same place as a carried insertion goes after the carried text.
    """
    if overlaps(later, carried):
        return None
    if later.action == "insert_after":
        after = later.start
        if carried.action != "insert_after" and after == carried.end:
            after = carried.start - 1 + len(carried.paragraphs)
        elif carried.action == "insert_after" and after == carried.start:
            after += len(carried.paragraphs)
        else:
            after = _shift(after, carried)
        return replace(later, start=after, end=after)
    return replace(later, start=_shift(later.start, carried), end=_shift(later.end, carried))


def vote_order(edits: Iterable[tuple[int, Edit]]) -> list[tuple[int, Edit]]:
    """``(key, edit)`` pairs in the order they are voted: by the lines they touch, then by
    ``key`` (the amendment's number) when two insert at the same place."""
    return sorted(edits, key=lambda pair: (pair[1].position, pair[0]))


def falls_if_carried(edits: Iterable[tuple[int, Edit]]) -> dict[int, list[int]]:
    """For each ``(key, edit)`` that would make later ones fall if carried, the keys of those
    later ones (in vote order): the edits voted after it that overlap it. What the chair and
    members are told before the vote. Cost: O(k²)."""
    ordered = vote_order(edits)
    falls: dict[int, list[int]] = {}
    for i, (key, edit) in enumerate(ordered):
        later = [other for other, e in ordered[i + 1 :] if overlaps(e, edit)]
        if later:
            falls[key] = later
    return falls


def apply_in_order(lines: Sequence[str], edits: Sequence[Edit]) -> Lines:
    """Apply ``edits`` (numbered against ``lines``) one by one in ``vote_order``, rebasing each
    later one over each made; ``AmendmentError`` if one would fall. Cost: O(k² + k·n)."""
    pending = [edit for _, edit in vote_order(enumerate(edits))]
    text = tuple(lines)
    while pending:
        edit, *pending = pending
        text = apply(text, edit)
        rebased = [rebase(later, edit) for later in pending]
        if any(r is None for r in rebased):
            raise AmendmentError(f"an amendment overlaps {edit.describe()} and would fall")
        pending = [r for r in rebased if r is not None]
    return text


def apply_bottom_up(lines: Sequence[str], edits: Sequence[Edit]) -> Lines:
    """Apply non-overlapping ``edits`` from the last line up, each in the original numbering
    (edits further down never move the lines above them). Cost: O(k log k + k·n)."""
    text = tuple(lines)
    for _, edit in reversed(vote_order(enumerate(edits))):
        text = apply(text, edit)
    return text


def diff(lines: Sequence[str], edit: Edit) -> list[DiffLine]:
    """The whole text with ``edit`` shown against its numbered lines. Cost: O(n)."""
    check_edit(edit, len(lines))
    inserted = [DiffLine(None, p, "inserted") for p in edit.paragraphs]
    out: list[DiffLine] = []
    if edit.action == "insert_after" and edit.start == 0:
        out.extend(inserted)
    for number, paragraph in enumerate(lines, start=1):
        touched = edit.action != "insert_after" and edit.start <= number <= edit.end
        out.append(DiffLine(number, paragraph, "deleted" if touched else "unchanged"))
        if number == edit.end and (edit.action != "delete"):
            out.extend(inserted)
    return out


def text_digest(lines: Sequence[str]) -> str:
    """``sha256:<hex>`` of the text's canonical JSON (a list of paragraphs): how a motion's
    text is named in the log."""
    return digest_of(canonical_json(list(lines)))
