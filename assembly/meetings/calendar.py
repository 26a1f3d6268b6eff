"""An assembly's timetable as an iCalendar feed (RFC 5545), so members can follow it in their
own calendars: the motions and amendments deadlines as moments, the session as an event.

Pure: ``timetable_ics`` takes the assembly's id, title and timetable and returns the text. Each
event's UID is stable (the assembly's id and the step), so a calendar that subscribes to the feed
updates an event when the chair moves a deadline instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt

from assembly.meetings.timetable import Timetable

__all__ = ["timetable_ics"]

_STEPS = (
    ("opens_at", "Motions open"),
    ("motions_deadline", "Motions deadline"),
    ("amendments_deadline", "Amendments deadline"),
)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _folded(line: str) -> list[str]:
    """RFC 5545 §3.1: lines longer than 75 octets folded with CRLF and a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return [line]
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return [out[0], *(" " + part for part in out[1:])]


def timetable_ics(
    assembly_id: str, title: str, timetable: Timetable, *, stamped: dt.datetime, host: str
) -> str:
    """The timetable as a VCALENDAR: one event per moment set, the session as one event from
    its start to its end (or an hour when it has no end). ``stamped`` is DTSTAMP (inject the
    clock). Cost: O(1)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Plenary//Assembly timetable//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_text(title)}",
    ]

    def event(step: str, summary: str, start: dt.datetime, end: dt.datetime) -> None:
        lines.extend(
            [
                "BEGIN:VEVENT",
                f"UID:{assembly_id}-{step}@{host}",
                f"DTSTAMP:{_stamp(stamped)}",
                f"DTSTART:{_stamp(start)}",
                f"DTEND:{_stamp(end)}",
                f"SUMMARY:{_text(f'{title}: {summary}')}",
                "END:VEVENT",
            ]
        )

    for step, summary in _STEPS:
        moment = getattr(timetable, step)
        if moment is not None:
            event(step, summary, moment, moment)
    if timetable.session_starts_at is not None:
        end = timetable.session_ends_at or timetable.session_starts_at + dt.timedelta(hours=1)
        event("session", "Session", timetable.session_starts_at, end)
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _folded(line))
