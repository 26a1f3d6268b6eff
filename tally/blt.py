"""Reading and writing BLT ballot files, the format of Hill's ERS counting programs and Droop.

Layout: a line ``<candidates> <seats>``; optional lines of withdrawn candidates as negative
numbers (``-4``) and options in brackets (``[withdrawn 4]``, ``[tie 3 2 1]``, ``[nick a b c]``);
one line per ballot ``[(id)] <weight> <preference> … 0``; a line ``0``; the candidates' names one
per line, quoted or not (``""`` inside quotes is a quote); the title. Preferences are candidate
numbers from 1 (or nicknames); ``a=b`` ranks candidates equal; ``-`` is a skipped rank.

What the reader accepts: a UTF-8 byte-order mark; text that is not UTF-8 (read as Windows-1252,
so mis-encoded names come through unchanged rather than failing); ballot ids (ignored — grouped
ballots do not keep them); ``#`` comments. A ballot stops at a skipped rank (what follows is not
counted); a candidate given twice on one ballot is refused, naming the line. Anything else is
a :class:`tally.errors.FormatError` naming the file and the line.

Writing then reading gives back the same election (:func:`write_blt`, :func:`read_blt`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tally.ballots import Ballot, Election, KeyedBallots, Ranking, single
from tally.errors import FormatError
from tally.prefix import index_from_keys

__all__ = ["parse_blt", "read_blt", "write_blt"]


def read_blt(path: str | Path) -> Election:
    """Read the BLT file at ``path``. Cost: one pass over the file; memory: one entry per
    distinct ranking (identical ballots are merged)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FormatError(str(p), None, f"cannot read the file: {exc.strerror}") from None
    return parse_blt(decode_text(data), str(p))


def decode_text(data: bytes) -> str:
    """Bytes as text: UTF-8 (with or without byte-order mark), else Windows-1252, else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


_ALTERNATIVE = re.compile(r"#\s*ALTERNATIVE NAME (\d+):(.*)")


def _strip_comment(line: str) -> str:
    if "#" not in line:
        return line.strip()
    out = []
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            break
        out.append(ch)
    return "".join(out).strip()


def _strings(text: str, source: str, line: int) -> list[str]:
    """The names on one line: quoted strings (several allowed) or the whole line unquoted.

    A name wrapped in doubled quotes (``""Carol Becker""``, as some converters write) is read
    as the name inside them.
    """
    if not text.startswith('"'):
        return [text]
    if text.startswith('""') and text.endswith('""') and len(text) > 4 and '"' not in text[2:-2]:
        return [text[2:-2]]
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        if text[i] != '"':
            raise FormatError(source, line, f"expected a quoted name, found {text[i:]!r}")
        i += 1
        buf = []
        while True:
            if i >= n:
                raise FormatError(source, line, "a quoted name is not closed")
            ch = text[i]
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    buf.append('"')
                    i += 2
                    continue
                i += 1
                break
            buf.append(ch)
            i += 1
        out.append(_unescape("".join(buf)))
    return out


def _names_and_title(lines: list[str], start: int, n: int, source: str) -> tuple[list[str], str]:
    """The candidates' names and the title from the lines after the ballots.

    One name per line is the common layout (a line of several quoted strings, such as
    ``"Yvonne ALLAN" "Scottish Labour Party"``, is then one name, the strings joined by a
    space); Droop also allows several quoted names on one line. Files that give the names only
    in ``# ALTERNATIVE NAME k: …`` comments (scot-elex Glasgow 2007) are read from those.
    """
    content: list[tuple[int, list[str]]] = []
    alternatives: dict[int, str] = {}
    for k in range(start, len(lines)):
        raw = lines[k].strip()
        if raw.startswith("#"):
            match = _ALTERNATIVE.match(raw)
            if match:
                alternatives[int(match.group(1))] = match.group(2).strip()
            continue
        text = _strip_comment(raw)
        if text:
            content.append((k + 1, _strings(text, source, k + 1)))
    last = content[-1][0] if content else len(lines)
    if len(content) >= n + 1 or (len(content) == n and all(len(x) == 1 for _, x in content)):
        names = [" ".join(x) for _, x in content[:n]]
        title = " ".join(content[n][1]) if len(content) > n else ""
        return names, title
    flat = [name for _, x in content for name in x]
    if len(flat) >= n:
        return flat[:n], " ".join(flat[n:])
    if sorted(alternatives) == list(range(1, n + 1)) and len(content) <= 1:
        title = " ".join(content[0][1]) if content else ""
        return [alternatives[k] for k in range(1, n + 1)], title
    raise FormatError(
        source, last, f"expected {n} candidate names after the ballots, found {len(flat)}"
    )


def _number(token: str, source: str, line: int, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise FormatError(source, line, f"{what} must be a whole number, not {token!r}") from None


class _Reader:
    """State of one parse: the candidate count and the nickname table."""

    def __init__(self, source: str, candidates: int) -> None:
        self.source = source
        self.n = candidates
        self.nicknames: dict[str, int] = {}

    def candidate(self, token: str, line: int) -> int:
        """Candidate number (0-based) for a preference token: a number from 1 or a nickname."""
        if token in self.nicknames:
            return self.nicknames[token]
        number = _number(token, self.source, line, "a preference")
        if not 1 <= number <= self.n:
            raise FormatError(
                self.source, line, f"candidate {number} does not exist (there are {self.n})"
            )
        return number - 1

    def ranking(self, tokens: list[str], line: int) -> Ranking:
        """The preference groups of one ballot, cut at a skipped preference; a candidate
        given twice on one ballot is refused, naming the line."""
        groups: list[tuple[int, ...]] = []
        seen: set[int] = set()
        cut = False
        for token in tokens:
            if token == "-":  # noqa: S105 - a skipped rank, not a secret
                cut = True
                continue
            if "=" in token:
                group = tuple(self.candidate(t, line) for t in token.split("="))
            else:
                group = single(self.candidate(token, line))
            for c in group:
                if c in seen:
                    raise FormatError(
                        self.source,
                        line,
                        f"candidate {c + 1} is given more than one preference on this ballot",
                    )
                seen.add(c)
            if not cut:
                groups.append(group)
        return tuple(groups)


def _careful_ballots(
    lines: list[str], i: int, reader: _Reader, merged: dict[str | Ranking, int]
) -> int:
    """Read the ballot lines from ``lines[i]`` to the line ``0`` into ``merged``; returns the
    index of the line after it. Raises :class:`FormatError` naming the line of any error."""
    source = reader.source
    count = len(lines)
    weight_of = merged.get
    while True:
        if i >= count:
            raise FormatError(source, count, "the file ends early: no line 0 after the ballots")
        raw = lines[i]
        i += 1
        lineno = i
        content = _strip_comment(raw)
        if not content:
            continue
        tokens = content.split()
        if tokens[0].startswith("("):
            close = content.find(")")
            if close < 0:
                raise FormatError(source, lineno, "a ballot id is not closed with ')'")
            tokens = content[close + 1 :].split()
            if not tokens:
                raise FormatError(source, lineno, "a ballot id with no ballot")
        if tokens == ["0"]:
            return i
        if tokens[-1] != "0":
            raise FormatError(source, lineno, f"a ballot must end with 0: {content!r}")
        weight = _number(tokens[0], source, lineno, "a ballot's weight")
        if weight < 0:
            raise FormatError(source, lineno, f"a ballot's weight cannot be negative ({weight})")
        ranking = reader.ranking(tokens[1:-1], lineno)
        if all(len(group) == 1 for group in ranking):
            text = "".join(chr(c + 1) for (c,) in ranking)
            merged[text] = weight_of(text, 0) + weight
        else:
            merged[ranking] = weight_of(ranking, 0) + weight


_WEIGHT = re.compile(r"^([0-9]+) ", re.MULTILINE)
_CHUNK = 1 << 15


def _plain_ballots(lines: list[str], start: int, n: int) -> tuple[Counter[str], int] | None:
    """The ballot section from ``lines[start]`` when every line is plain, ``<weight> <candidate
    number> … 0`` with single spaces and no candidate twice: the distinct rankings as
    prefix-index strings with their weights (first-seen order), and the index of the line after
    the ``0``. ``None`` when any line is not plain (then the careful reader reads the section
    and names the line at fault).

    How it stays fast: no Python code runs per line. A chunk of lines is turned into ranking
    strings by string operations over the whole chunk: the weights cut off by one regular
    expression, every token mapped to its character by one ``join`` over one ``split`` (the
    closing ``0`` of a line maps to ``chr(0)``, where the rankings are split apart); identical
    rankings of weight 1 are then counted in C (:class:`collections.Counter`), and a
    candidate given twice is found by comparing the sizes of the rankings' sets. Cost: about
    a microsecond per line; memory: one chunk of lines and the distinct rankings.
    """
    try:
        end = lines.index("0", start)
    except ValueError:
        return None
    code = {str(k): chr(k) for k in range(1, n + 1)}
    code["0"] = "\0"  # ends a ranking: chr(0) is no candidate's character
    get = code.__getitem__
    merged: Counter[str] = Counter()
    for lo in range(start, end, _CHUNK):
        chunk = lines[lo : min(lo + _CHUNK, end)]
        text = "\n".join(chunk) + "\n"
        if text.count(" 0\n") != len(chunk):
            return None  # a line that does not end with " 0"
        if text.startswith("1 ") and text.count("\n1 ") == len(chunk) - 1:
            weights = None  # every weight is 1: cut them off with one replace
            rest = text[2:-1].replace("\n1 ", " ")
        else:
            weights = _WEIGHT.findall(text)
            if len(weights) != len(chunk):
                return None  # a line that does not start with a weight
            rest = _WEIGHT.sub("", text).replace("\n", " ")[:-1]
        try:
            keys = "".join(map(get, rest.split(" "))).split("\0")
        except KeyError:
            return None  # a token that is not a candidate number, or two spaces
        if keys.pop() or len(keys) != len(chunk):
            return None  # a "0" inside a line
        if weights is None:
            merged.update(keys)  # counted in C
        else:
            for key, weight in zip(keys, map(int, weights), strict=True):
                merged[key] += weight
    if sum(map(len, map(set, merged))) != sum(map(len, merged)):
        return None  # a candidate twice: the careful reader names the line
    return merged, end + 1


def parse_blt(text: str, source: str = "<blt>") -> Election:
    """Parse BLT ``text``; ``source`` names it in error messages. See the module docstring."""
    lines = text.splitlines()
    count = len(lines)
    i = 0

    def next_content() -> tuple[int, str]:
        nonlocal i
        while i < count:
            stripped = _strip_comment(lines[i])
            i += 1
            if stripped:
                return i, stripped
        raise FormatError(source, count, "the file ends early: ballots, names or title missing")

    lineno, header = next_content()
    parts = header.split()
    if len(parts) != 2:
        raise FormatError(source, lineno, f"expected '<candidates> <seats>', found {header!r}")
    n = _number(parts[0], source, lineno, "the number of candidates")
    seats = _number(parts[1], source, lineno, "the number of seats")
    if n < 1 or seats < 1:
        raise FormatError(source, lineno, "there must be at least one candidate and one seat")
    reader = _Reader(source, n)
    withdrawn: set[int] = set()
    tie_order: tuple[int, ...] | None = None
    nick_order: tuple[str, ...] | None = None
    # Distinct rankings with their weights, in the order first seen: a strict ranking as its
    # prefix-index string (candidate c is chr(c + 1)), one with equal groups as its tuple.
    merged: dict[str | Ranking, int] = {}

    while True:
        lineno, content = next_content()
        if content.startswith("["):
            if not content.endswith("]"):
                raise FormatError(source, lineno, f"an option is not closed: {content!r}")
            words = content[1:-1].split()
            if not words:
                raise FormatError(source, lineno, "an empty option []")
            key, args = words[0], words[1:]
            if key == "nick":
                if len(args) != n:
                    raise FormatError(
                        source, lineno, f"[nick] gives {len(args)} nicknames for {n} candidates"
                    )
                reader.nicknames = {a: k for k, a in enumerate(args)}
                nick_order = tuple(args)
            elif key == "withdrawn":
                withdrawn.update(reader.candidate(a, lineno) for a in args)
            elif key == "tie":
                tie_order = tuple(reader.candidate(a, lineno) for a in args)
            # other options (such as [undeclared]) do not change the count
            continue
        if content.startswith("-"):
            tokens = content.split()
            if len(tokens) > 1 and tokens[-1] == "0" and not tokens[1].startswith("-"):
                weight = _number(tokens[0], source, lineno, "a ballot's weight")
                raise FormatError(
                    source, lineno, f"a ballot's weight cannot be negative ({weight})"
                )
            for token in tokens:
                number = _number(token, source, lineno, "a withdrawn candidate")
                if not -n <= number <= -1:
                    raise FormatError(source, lineno, f"{token!r} is not a withdrawn candidate")
                withdrawn.add(-number - 1)
            continue
        break

    # Ballots, up to the line "0": the whole section at once when it is plain numbers
    # (:func:`_plain_ballots`), otherwise line by line (ids, nicknames, "=", "-", comments,
    # errors: the careful reader, which names the line of any error).
    i -= 1  # read the first ballot line again, below
    plain = None if reader.nicknames else _plain_ballots(lines, i, n)
    if plain is not None:
        merged, i = plain  # type: ignore[assignment]
    else:
        i = _careful_ballots(lines, i, reader, merged)

    names, title = _names_and_title(lines, i, n, source)
    group_of = {chr(c + 1): single(c) for c in range(n)}.__getitem__
    strict: dict[str, int] = {}
    ballots: Sequence[Ballot]
    if plain is not None or all(isinstance(r, str) for r in merged):
        strict = merged  # type: ignore[assignment]
        ballots = KeyedBallots(strict)
    else:
        ballots = tuple(
            Ballot(tuple(map(group_of, r)) if isinstance(r, str) else r, w)
            for r, w in merged.items()
        )
    return Election(
        candidates=tuple(names),
        seats=seats,
        ballots=ballots,
        title=title,
        withdrawn=frozenset(withdrawn),
        tie_order=tie_order,
        nicknames=nick_order,
        prefix_index=index_from_keys(strict, ballots) if strict or not merged else None,
    )


# Inside a quoted name, ``\u{HEX}`` stands for one character: how the writer keeps a name on
# its line whatever it holds (a line break, a control character), so any name round-trips.
# Other tools write no such sequence; a backslash not followed by ``u{HEX}`` is itself.
_ESCAPE = re.compile(r"\\u\{([0-9A-Fa-f]{1,6})\}")
_UNWRITABLE = frozenset(("Cc", "Cs", "Zl", "Zp"))


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _ESCAPE.sub(one, text) if "\\u{" in text else text


def _quote(text: str) -> str:
    """``text`` as a quoted BLT string on one line: quotes doubled, line breaks, control
    characters and a backslash that would read as an escape written ``\\u{HEX}``."""
    out = []
    for i, ch in enumerate(text):
        if ch == '"':
            out.append('""')
        elif unicodedata.category(ch) in _UNWRITABLE or (
            ch == "\\" and text[i + 1 : i + 3] == "u{"
        ):
            out.append(f"\\u{{{ord(ch):X}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def write_blt(election: Election) -> str:
    """The election as BLT text; :func:`parse_blt` of it gives back an equal election.

    Equal rankings are written ``a=b``; withdrawn candidates as a negative-number line; a tie
    order as ``[tie …]``; nicknames as ``[nick …]`` (and used in the ballots). Cost: one line per
    distinct ranking.
    """
    n = len(election.candidates)
    labels = list(election.nicknames) if election.nicknames else [str(k + 1) for k in range(n)]
    out = [f"{n} {election.seats}"]
    if election.nicknames:
        out.append("[nick " + " ".join(election.nicknames) + "]")
    if election.withdrawn:
        out.append(" ".join(str(-(c + 1)) for c in sorted(election.withdrawn)))
    if election.tie_order is not None:
        out.append("[tie " + " ".join(labels[c] for c in election.tie_order) + "]")
    for ranking, weight in election.ballots:
        prefs = " ".join("=".join(labels[c] for c in group) for group in ranking)
        out.append(f"{weight} {prefs} 0" if prefs else f"{weight} 0")
    out.append("0")
    out.extend(_quote(name) for name in election.candidates)
    out.append(_quote(election.title))
    return "\n".join(out) + "\n"
