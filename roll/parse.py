"""Reading a member roll from CSV, all or nothing, and the roll's canonical digest.

The file has the columns ``membership_number,name,email,branch,region,status`` in any order,
plus optional attribute columns (self-described, used only for quotas: ``gender``,
``age_band``, …). It is UTF-8 (a byte-order mark is allowed). Any bad row rejects the whole
file: ``parse_roll`` either returns every row or raises ``RollError`` listing every offending
line, so an administrator can fix them all in one go.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from roll.models import MEMBER_STATUSES
from schemas.problems import DomainError
from schemas.text import skeleton, text_problem

__all__ = [
    "REQUIRED_COLUMNS",
    "RollError",
    "RollProblem",
    "RollRow",
    "canonical_roll_line",
    "parse_roll",
    "roll_digest",
]

REQUIRED_COLUMNS = ("membership_number", "name", "email", "branch", "region", "status")

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True, slots=True)
class RollProblem:
    """One thing wrong with the file: the line (1 is the header; 0 the whole file) and what."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class RollError(DomainError):
    """The roll was rejected and nothing changed; ``problems`` lists every offending line."""

    title = "The member roll was not imported"

    def __init__(self, problems: Iterable[RollProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.message))
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(
            f"nothing was imported; fix these and send the whole file again: {shown}{more}",
            status=422,
            errors=[{"line": p.line, "message": p.message} for p in self.problems],
        )


@dataclass(frozen=True, slots=True)
class RollRow:
    """One member as read from the file, with the line it came from."""

    line: int
    membership_number: str
    name: str
    email: str
    branch: str
    region: str
    status: str
    attributes: Mapping[str, str] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad.append(
                    RollProblem(
                        number, f"is not valid UTF-8 (byte {exc.start + 1}); save the file as UTF-8"
                    )
                )
        raise RollError(bad) from None


def _header(fields: list[str]) -> tuple[list[str], list[RollProblem]]:
    names = [f.strip().lower() for f in fields]
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(RollProblem(1, f"missing column(s): {', '.join(missing)}"))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(RollProblem(1, f"column {name!r} appears twice"))
        seen.add(name)
        if name not in REQUIRED_COLUMNS and not _ATTRIBUTE.match(name):
            problems.append(
                RollProblem(
                    1,
                    f"attribute column {name!r} must be lower-case letters, digits and underscores",
                )
            )
    return names, problems


def _row(line: int, values: dict[str, str], attribute_names: list[str]) -> list[RollProblem]:
    problems = []
    number = values["membership_number"]
    if not _CODE.match(number):
        problems.append(
            RollProblem(line, f"membership_number {number!r} must be 1–64 letters, digits, . _ -")
        )
    if not values["name"]:
        problems.append(RollProblem(line, "name is empty"))
    for column in ("name", "email", *attribute_names):
        why = text_problem(values[column])
        if why is not None:
            problems.append(RollProblem(line, f"{column} {why}"))
    if not _EMAIL.match(values["email"]):
        problems.append(RollProblem(line, f"email {values['email']!r} is not an email address"))
    for column in ("branch", "region"):
        if not _CODE.match(values[column]):
            problems.append(
                RollProblem(
                    line, f"{column} {values[column]!r} must be a code of letters and digits"
                )
            )
    if values["status"].lower() not in MEMBER_STATUSES:
        problems.append(
            RollProblem(
                line,
                f"status {values['status']!r} is not one of {', '.join(MEMBER_STATUSES)}",
            )
        )
    return problems


def parse_roll(data: bytes) -> list[RollRow]:
    """Every member in ``data``, or ``RollError`` naming every bad line.

    Checks: UTF-8; the required columns; each row's field count, membership number, name,
    email, branch and region codes and status; no control or invisible character in a name,
    email or attribute (as ``schemas.text`` checks the API's input); a membership number used
    twice; a branch given in two regions; a name or email that looks like another member's but
    is written with other characters. Cost: one pass over the file.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[RollProblem] = []
    try:
        header_fields = next(reader)
    except StopIteration:
        raise RollError([RollProblem(0, "the file is empty; expected a header line")]) from None
    except csv.Error as exc:
        raise RollError([RollProblem(1, f"cannot be read as CSV: {exc}")]) from None
    names, problems = _header(header_fields)
    if problems:
        raise RollError(problems)
    attribute_names = [n for n in names if n not in REQUIRED_COLUMNS]
    rows: list[RollRow] = []
    first_line: dict[str, int] = {}
    branch_regions: dict[str, dict[str, int]] = defaultdict(dict)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RollProblem(reader.line_num, f"cannot be read as CSV: {exc}"))
            break
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(names):
            problems.append(
                RollProblem(line, f"has {len(fields)} fields; the header has {len(names)}")
            )
            continue
        values = {n: f.strip() for n, f in zip(names, fields, strict=True)}
        row_problems = _row(line, values, attribute_names)
        problems.extend(row_problems)
        number = values["membership_number"]
        if number in first_line:
            problems.append(
                RollProblem(
                    line, f"membership_number {number} is also on line {first_line[number]}"
                )
            )
        else:
            first_line[number] = line
        branch_regions[values["branch"]].setdefault(values["region"], line)
        if row_problems:
            continue
        rows.append(
            RollRow(
                line=line,
                membership_number=number,
                name=values["name"],
                email=values["email"],
                branch=values["branch"],
                region=values["region"].upper(),
                status=values["status"].lower(),
                attributes={a: values[a] for a in attribute_names if values[a]},
            )
        )
    problems += _lookalikes(rows)
    for branch, regions in branch_regions.items():
        if len(regions) > 1:
            where = ", ".join(f"{r} (line {n})" for r, n in sorted(regions.items()))
            problems.append(
                RollProblem(
                    max(regions.values()), f"branch {branch} is given in two regions: {where}"
                )
            )
    if problems:
        raise RollError(problems)
    if not rows:
        raise RollError([RollProblem(0, "the file has a header but no members")])
    return rows


def _lookalikes(rows: list[RollRow]) -> list[RollProblem]:
    """Names or emails that look the same as another member's but are written differently
    (``Alice`` and ``Аlice`` with a Cyrillic ``А``; NFKC, case and look-alike letters folded as
    ``schemas.text.skeleton`` does for ballots): one could pass for the other on a ballot, a
    nomination or a sign-in mail. The same name written the same way is two people, and fine."""
    problems = []
    for column in ("name", "email"):
        first: dict[str, RollRow] = {}
        for row in rows:
            value = getattr(row, column)
            key = skeleton(value)
            earlier = first.setdefault(key, row)
            if getattr(earlier, column) != value and (
                column == "name" or value.lower() != getattr(earlier, column).lower()
            ):
                problems.append(
                    RollProblem(
                        row.line,
                        f"{column} {value!r} looks the same as {getattr(earlier, column)!r} on "
                        f"line {earlier.line} but is written with other characters; type it "
                        "in one alphabet",
                    )
                )
    return problems


def canonical_roll_line(
    membership_number: str,
    name: str,
    email: str,
    branch: str,
    region: str,
    status: str,
    attributes: Mapping[str, str],
) -> bytes:
    """One member in the canonical form the roll digest is taken over.

    A JSON array ``[number, name, email, branch, region, status, {attributes}]`` with sorted
    keys, no spaces, UTF-8, then a newline.
    """
    item = [membership_number, name, email, branch, region, status, dict(attributes)]
    return (
        json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
    )


def roll_digest(lines: Iterable[bytes]) -> str:
    """SHA-256 (hex) over the canonical lines of the whole roll, in membership-number order."""
    h = hashlib.sha256()
    for line in lines:
        h.update(line)
    return h.hexdigest()
