"""The returning officer's form for defining a contest, read into the API's own contract.

The form's fields become a ``schemas.contests.ContestCreate`` (validated by msgspec exactly as
the API validates JSON), which ``voting.lifecycle.create_contest`` then checks as it checks
every definition. Candidates are one per line, with optional attributes for constraints after a
semicolon (``Aisha Khan; gender=woman``). Times are read as UTC. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from schemas.contests import ContestCreate
from service.web.i18n import N_

__all__ = ["THRESHOLDS", "ContestForm", "read_contest_form"]

THRESHOLDS = {
    "simple": {"threshold": "1/2", "comparison": "more_than"},
    "two_thirds": {"threshold": "2/3", "comparison": "at_least"},
}
"""The majorities the form offers for motions and recalls (the API takes any fraction)."""


@dataclass(frozen=True, slots=True)
class ContestForm:
    """The values as typed, and the definition or the message saying what to change."""

    values: dict[str, str]
    definition: ContestCreate | None
    error: str | None = None
    error_values: Mapping[str, Any] | None = None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _candidate(line: str) -> dict[str, Any]:
    name, _, rest = line.partition(";")
    attributes = {}
    for part in rest.split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            attributes[key.strip()] = value.strip()
    return {"name": name.strip(), "attributes": attributes}


def _ticked(value: str) -> bool:
    """Whether an HTML checkbox was ticked (browsers send ``on``)."""
    return value == "on"


def _utc(text: str) -> str | None:
    if not text.strip():
        return None
    moment = dt.datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def read_contest_form(form: Mapping[str, str]) -> ContestForm:
    """The definition in ``form``, or the first thing to change. Cost: O(fields)."""
    values = {
        key: form.get(key, "")
        for key in (
            "title",
            "kind",
            "scope",
            "secret",
            "candidates",
            "options",
            "seats",
            "method",
            "majority",
            "opens_at",
            "closes_at",
        )
    }
    kind = values["kind"]
    body: dict[str, Any] = {
        "title": values["title"].strip(),
        "kind": kind,
        "scope": values["scope"] or "national",
        "secret": _ticked(values["secret"]),
    }
    if kind == "election":
        body["candidates"] = [_candidate(line) for line in _lines(values["candidates"])]
        if values["method"]:
            body["method"] = values["method"]
    if kind == "referendum":
        body["options"] = _lines(values["options"])
    if kind in ("election",) and values["seats"].strip():
        if not values["seats"].strip().isdigit():
            return ContestForm(values, None, N_("Seats must be a whole number."))
        body["seats"] = int(values["seats"])
    if kind in ("motion", "recall"):
        body["majority"] = {
            "base": "cast",
            **THRESHOLDS.get(values["majority"], THRESHOLDS["simple"]),
        }
    try:
        body["opens_at"] = _utc(values["opens_at"])
        body["closes_at"] = _utc(values["closes_at"])
    except ValueError:
        return ContestForm(values, None, N_("Write times as YYYY-MM-DD HH:MM (UTC)."))
    body = {k: v for k, v in body.items() if v is not None}
    if not body["title"]:
        return ContestForm(values, None, N_("Give the contest a title."))
    try:
        definition = msgspec.convert(body, ContestCreate)
    except msgspec.ValidationError as exc:
        return ContestForm(
            values, None, N_("The definition is not valid: {problem}"), {"problem": str(exc)}
        )
    return ContestForm(values, definition)
