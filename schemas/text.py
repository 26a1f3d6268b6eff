"""What a name, a title or an option may hold: the checks every input contract runs.

A newline in a candidate's name once made that contest's BLT file unparseable, and with it the
bundle unverifiable for ever; a zero-width space made two options look the same on a ballot.
So every text field of an input is checked as it is decoded (``Input.__post_init__``), and the
message names the field:

- one-line text (names, titles, options, labels) holds no control or format character (Unicode
  categories Cc and Cf: NUL, line breaks, zero-width spaces, direction overrides);
- prose (a motion's paragraphs, a ruling's reason, a candidate's statement: the fields in
  ``PROSE``) may break lines (``\\n``, ``\\r``, ``\\t``) but holds no other control character
  and no direction override;
- the options and candidates of one ballot must not look alike: two names whose skeletons
  (NFKC, case folded, format characters dropped, common Cyrillic and Greek look-alikes of Latin
  letters mapped to them, spaces collapsed) are equal are refused.

The look-alike table covers the letters that pass for Latin in the scripts members write in
(Cyrillic, Greek); it is not the whole of Unicode's confusables list.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

import msgspec

__all__ = ["PROSE", "Input", "counted", "lookalike_problem", "skeleton", "text_problem"]

PROSE = frozenset({"paragraphs", "reason", "statement", "text", "body", "description"})
_LINE_BREAKS = frozenset("\n\r\t")
_DIRECTION = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")

# Cyrillic and Greek letters that are drawn like Latin ones (lower case; the skeleton folds
# case first).
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t",
        "ц": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ӏ": "l", "ё": "e", "ї": "i",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j",
    }
)  # fmt: skip


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name.lower()})" if name else "")


def text_problem(value: str, *, prose: bool = False) -> str | None:
    """Why ``value`` may not be stored, or None when it may."""
    for ch in value:
        category = unicodedata.category(ch)
        if prose and ch in _LINE_BREAKS:
            continue
        if category == "Cc" or (category == "Cf" and (not prose or ch in _DIRECTION)):
            what = "a control character" if category == "Cc" else "an invisible character"
            return f"holds {what}, {_describe(ch)}; type it without"
        if category == "Cs":
            return f"holds a lone surrogate, {_describe(ch)}"
    return None


def skeleton(name: str) -> str:
    """What ``name`` looks like, for telling look-alikes apart."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in {"Cf", "Mn"})
    return " ".join(visible.translate(_LOOKALIKES).split())


def lookalike_problem(field: str, names: Iterable[str]) -> str | None:
    """Why these names cannot stand on one ballot together, or None."""
    seen: dict[str, str] = {}
    for name in names:
        key = skeleton(name)
        if key in seen and seen[key] != name:
            return f"{field}: {seen[key]!r} and {name!r} look the same on a ballot; tell them apart"
        seen.setdefault(key, name)
    return None


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 seconder``, ``2 seconders``: a number with its noun as English reads it."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _check(field: str, value: Any, *, prose: bool) -> None:
    if isinstance(value, str):
        if value and not value.strip():
            raise ValueError(f"{field} is only spaces; write it out or leave it out")
        problem = text_problem(value, prose=prose)
        if problem:
            raise ValueError(f"{field} {problem}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(f"{field}[{i}]", item, prose=prose)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(f"{field} key", key, prose=False)
            _check(f"{field}[{key!r}]", item, prose=prose)


class Input(msgspec.Struct, forbid_unknown_fields=True):
    """The base of every request contract: its text fields are checked as it is decoded (a
    ``ValueError`` here is a 400 that names the field). Nested contracts check their own."""

    def __post_init__(self) -> None:
        for field in self.__struct_fields__:
            _check(field, getattr(self, field), prose=field in PROSE)
