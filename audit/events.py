"""Log entries: one canonical JSON document per decision, with no personal data.

An entry is ``{"v": 1, "type": …, "at": …, "actor": …, "subjects": {…}, "digests": {…},
"facts": {…}}`` encoded canonically (sorted keys, no insignificant white space, UTF-8; see
``audit.canonical``), so the same decision always gives the same bytes and the same leaf hash.

- ``type``: what happened, dotted (``roll.imported``, ``contest.opened``, ``motion.admitted``).
- ``at``: UTC time, ISO 8601 with a ``Z`` and microseconds.
- ``actor``: the acting *role* (``admin``, ``returning_officer``, ``chair``, ``member``,
  ``system``), never who.
- ``subjects``: ids of what the decision is about (``{"contest": "c0f…"}``).
- ``digests``: ``sha256:<hex>`` digests of the documents concerned (a motion's text, a
  contest's manifest, a result, a roll snapshot). Where a digest is over something personal it
  must be salted by the caller.
- ``facts``: small public figures (counts, sizes, states), never names, emails or ballots.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit.canonical import canonical_json

__all__ = ["ACTOR_ROLES", "Event", "decode_event", "digest_of", "encode_event"]

ACTOR_ROLES = ("admin", "returning_officer", "chair", "member", "auditor", "system")

_TYPE = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_FACT = (str, int, bool, type(None))


@dataclass(frozen=True, slots=True)
class Event:
    """A decision as it goes into the log."""

    type: str
    actor: str
    subjects: Mapping[str, str | int]
    digests: Mapping[str, str]
    facts: Mapping[str, str | int | bool | None]
    at: dt.datetime


def digest_of(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``: how a document is named in a log entry."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def encode_event(event: Event) -> bytes:
    """The canonical bytes of ``event``; ``ValueError`` naming the field when it breaks a rule."""
    if not _TYPE.match(event.type):
        raise ValueError(f"event type {event.type!r} must be dotted lower-case words")
    if event.actor not in ACTOR_ROLES:
        raise ValueError(f"actor {event.actor!r} must be one of {', '.join(ACTOR_ROLES)}")
    for name, value in event.digests.items():
        if not _DIGEST.match(value):
            raise ValueError(f"digest {name!r} must be sha256:<64 hex digits>, not {value!r}")
    for name, fact in event.facts.items():
        if not isinstance(fact, _FACT):
            raise ValueError(f"fact {name!r} must be text, a whole number or true/false")
    if event.at.tzinfo is None:
        raise ValueError("event time must carry a time zone")
    at = event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document: dict[str, Any] = {
        "v": 1,
        "type": event.type,
        "at": at,
        "actor": event.actor,
        "subjects": dict(event.subjects),
        "digests": dict(event.digests),
        "facts": dict(event.facts),
    }
    return canonical_json(document)


def decode_event(data: bytes) -> Event:
    """The event in a log entry's bytes (as written by ``encode_event``)."""
    import json

    document = json.loads(data)
    return Event(
        type=document["type"],
        actor=document["actor"],
        subjects=document.get("subjects", {}),
        digests=document.get("digests", {}),
        facts=document.get("facts", {}),
        at=dt.datetime.strptime(document["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC),
    )
