"""Reading PrefLib ordinal files: ``.soi`` (strict orders, incomplete) and ``.toi`` (with ties).

Format (PrefLib data types, https://www.preflib.org/format): ``#`` header lines, of which
``# TITLE:`` and ``# ALTERNATIVE NAME k: name`` are used (``# NUMBER ALTERNATIVES:`` checks
them), then one line per distinct order, ``count: a,b,{c,d},e``. In these files a group
``{c,d}`` marks papers where the voter gave several candidates the same rank — an overvote — so
the paper stops there (what comes before the group still counts). A repeated candidate also
stops the paper. PrefLib files have no seats: the election has ``seats`` (default one).
Errors name the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path

from tally.ballots import Ballot, Election, Ranking, single
from tally.blt import decode_text
from tally.errors import FormatError

__all__ = ["parse_preflib", "read_preflib"]

_NAME = re.compile(r"#\s*ALTERNATIVE NAME (\d+):(.*)")
_COUNT = re.compile(r"#\s*NUMBER ALTERNATIVES:\s*(\d+)")
_TITLE = re.compile(r"#\s*TITLE:(.*)")


def read_preflib(path: str | Path, seats: int = 1) -> Election:
    """Read a PrefLib ``.soi``/``.toi`` file. Cost: one pass over the file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FormatError(str(p), None, f"cannot read the file: {exc.strerror}") from None
    return parse_preflib(decode_text(data), str(p), seats=seats)


def parse_preflib(text: str, source: str = "<preflib>", seats: int = 1) -> Election:
    """Parse PrefLib ordinal ``text`` (see the module docstring) into an election."""
    names: dict[int, str] = {}
    declared: int | None = None
    title = ""
    orders: list[tuple[int, str]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if m := _NAME.match(line):
                names[int(m.group(1))] = m.group(2).strip()
            elif m := _COUNT.match(line):
                declared = int(m.group(1))
            elif m := _TITLE.match(line):
                title = m.group(1).strip()
            continue
        orders.append((lineno, line))
    n = declared if declared is not None else len(names)
    if n < 1 or sorted(names) != list(range(1, n + 1)):
        raise FormatError(source, None, f"expected names for alternatives 1 to {n} in the header")
    merged: dict[Ranking, int] = {}
    for lineno, line in orders:
        count_text, sep, order = line.partition(":")
        if not sep:
            raise FormatError(source, lineno, f"expected 'count: order', found {line!r}")
        try:
            weight = int(count_text)
        except ValueError:
            raise FormatError(
                source, lineno, f"the count must be a whole number, not {count_text!r}"
            ) from None
        ranking = _ranking(order, n, source, lineno)
        merged[ranking] = merged.get(ranking, 0) + weight
    return Election(
        candidates=tuple(names[k] for k in range(1, n + 1)),
        seats=seats,
        ballots=tuple(Ballot(r, w) for r, w in merged.items()),
        title=title,
    )


def _ranking(order: str, n: int, source: str, lineno: int) -> Ranking:
    groups: list[tuple[int, ...]] = []
    seen: set[int] = set()
    text = order.strip()
    i = 0
    while i < len(text):
        if text[i] in ", ":
            i += 1
            continue
        if text[i] == "{":
            close = text.find("}", i)
            if close < 0:
                raise FormatError(source, lineno, "a '{' group is not closed")
            members = [
                _alternative(t, n, source, lineno)
                for t in text[i + 1 : close].split(",")
                if t.strip()
            ]
            if len(members) == 1 and members[0] not in seen:
                groups.append(single(members[0]))
                seen.add(members[0])
                i = close + 1
                continue
            break  # an overvote: the paper stops here
        j = i
        while j < len(text) and text[j] not in ",{":
            j += 1
        c = _alternative(text[i:j], n, source, lineno)
        if c in seen:
            break
        seen.add(c)
        groups.append(single(c))
        i = j
    return tuple(groups)


def _alternative(token: str, n: int, source: str, lineno: int) -> int:
    try:
        number = int(token)
    except ValueError:
        raise FormatError(
            source, lineno, f"an alternative must be a number, not {token!r}"
        ) from None
    if not 1 <= number <= n:
        raise FormatError(source, lineno, f"alternative {number} does not exist (there are {n})")
    return number - 1
