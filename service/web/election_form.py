"""The returning officer's form for an election with nominations: read what the browser
sent into the ``ElectionCreate`` the API takes, with every problem at once.

Times are entered and shown in the organisation's time zone (Europe/London), with the UTC
offset on the page; they are stored in UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from schemas.elections import ElectionCreate
from service.web.i18n import N_

__all__ = ["ORGANISATION_ZONE", "ElectionForm", "offset_text", "read_election_form"]

ORGANISATION_ZONE = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class FormError:
    """One problem, named by the field it is about (the summary links to it)."""

    field: str
    message: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass
class ElectionForm:
    """What was entered, the problems found, and the election when there are none."""

    values: Mapping[str, str]
    errors: list[FormError]
    election: ElectionCreate | None


def offset_text(moment: dt.datetime | None = None) -> str:
    """The organisation's UTC offset now (or at ``moment``): ``UTC+01:00``."""
    at = (moment or dt.datetime.now(dt.UTC)).astimezone(ORGANISATION_ZONE)
    offset = at.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def _local(text: str) -> dt.datetime | None:
    """A ``datetime-local`` value read in the organisation's zone, as UTC."""
    moment = dt.datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ORGANISATION_ZONE)
    return moment.astimezone(dt.UTC)


def _count(values: Mapping[str, str], name: str, errors: list[FormError], low: int) -> int:
    text = values.get(name, "").strip()
    if not text.isdigit() or int(text) < low:
        errors.append(FormError(name, N_("Enter a whole number, {low} or more"), {"low": low}))
        return low
    return int(text)


def read_election_form(values: Mapping[str, str]) -> ElectionForm:
    """Every problem in the form at once; the ``ElectionCreate`` when there is none."""
    errors: list[FormError] = []
    title = values.get("title", "").strip()
    if not title:
        errors.append(FormError("title", N_("Give the election a title")))
    post = values.get("post_title", "").strip()
    if not post:
        errors.append(FormError("post_title", N_("Name the post")))
    seats = _count(values, "seats", errors, 1)
    members = _count(values, "supporting_members", errors, 0)
    branches = _count(values, "supporting_branches", errors, 0)
    moments: dict[str, dt.datetime | None] = {}
    for name in ("nominations_open_at", "nominations_close_at"):
        text = values.get(name, "").strip()
        try:
            moments[name] = _local(text) if text else None
        except ValueError:
            errors.append(FormError(name, N_("Enter a date and time")))
            moments[name] = None
    opens, closes = moments["nominations_open_at"], moments["nominations_close_at"]
    if opens and closes and closes <= opens:
        errors.append(
            FormError("nominations_close_at", N_("Nominations must close after they open"))
        )
    if errors:
        return ElectionForm(values, errors, None)
    try:
        election = msgspec.convert(
            {
                "title": title,
                "posts": [
                    {"title": post, "scope": values.get("scope", "national"), "seats": seats}
                ],
                "nominations_open_at": opens,
                "nominations_close_at": closes,
                "nomination_rules": {
                    "supporting_members": members,
                    "supporting_branches": branches,
                },
            },
            ElectionCreate,
        )
    except msgspec.ValidationError:
        errors.append(FormError("title", N_("Check the numbers and the title's length")))
        return ElectionForm(values, errors, None)
    return ElectionForm(values, [], election)
