"""The timetable as an iCalendar feed: RFC 5545 lines, stable UIDs, the session as an event."""

from __future__ import annotations

import datetime as dt

from assembly.meetings.calendar import timetable_ics
from assembly.meetings.timetable import Timetable

T = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


def test_the_feed_has_each_deadline_and_the_session_with_stable_uids() -> None:
    timetable = Timetable(
        opens_at=None,
        motions_deadline=T,
        amendments_deadline=T + dt.timedelta(days=7),
        session_starts_at=T + dt.timedelta(days=14),
        session_ends_at=T + dt.timedelta(days=15),
    )
    text = timetable_ics("a1", "Conference, 2026; Cardiff", timetable, stamped=T, host="x.org")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 3
    assert "UID:a1-motions_deadline@x.org\r\n" in text
    assert "DTSTART:20261204T180000Z\r\nDTEND:20261205T180000Z\r\n" in text
    assert "SUMMARY:Conference\\, 2026\\; Cardiff: Session\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_long_titles_are_folded_and_unfold_to_the_same_text() -> None:
    title = "Cynhadledd Flynyddol y Blaid Werdd Chwith — " * 4
    text = timetable_ics("a2", title, Timetable(None, T, None, None, None), stamped=T, host="x.org")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert f"X-WR-CALNAME:{title}\r\n" in unfolded
