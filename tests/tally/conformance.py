"""Shared helpers for the conformance tests: where refdata is, and Droop's dump format."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

REFDATA = Path(__file__).resolve().parents[2].parent / "shared" / "refdata"
STV = REFDATA / "stv"


def stv_dir(*parts: str) -> Path:
    """A folder under ``refdata/stv``, or skip the test with the reason when it is absent."""
    path = STV.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    return path


def same_name(name: str) -> str:
    """A name as compared across programs: whitespace runs as one space, quotes dropped, case
    folded, and UTF-8 that was decoded as Windows-1252 (``LeÃ³dhas``) put right."""
    with contextlib.suppress(UnicodeError):
        name = name.encode("cp1252").decode("utf-8")
    return " ".join(name.replace('"', " ").split()).casefold()


def droop_dump_stages(path: Path) -> list[tuple[str, dict[str, str], set[str]]]:
    """Droop's dump as (non-transferable, {candidate: votes}, elected names) for the first
    count and after every transfer, in order; names with whitespace runs collapsed."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        fields = line.split("\t")
        if fields[1] not in ("begin", "transfer"):
            continue
        votes = {}
        elected = set()
        for k in range(4, len(fields) - 2, 3):
            name = " ".join(fields[k].split())
            votes[name] = fields[k + 2]
            if fields[k + 1] in ("E", "e"):
                elected.add(name)
        rows.append((fields[3], votes, elected))
    return rows


def droop_final_elected(path: Path) -> set[str]:
    """The names Droop's dump marks elected at the end of the count."""
    last = path.read_text(encoding="utf-8").splitlines()[-1].split("\t")
    return {" ".join(last[k].split()) for k in range(4, len(last) - 2, 3) if last[k + 1] == "E"}
