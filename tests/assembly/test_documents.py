"""The motions book (HTML and PDF typeset by WeasyPrint, English and Welsh) and the timetable
as an iCalendar feed, from an assembly run over HTTP against real PostgreSQL."""

from __future__ import annotations

import re
import uuid
import zlib

from assembly.meetings.assemblies import touch_assembly
from assembly.meetings.motions_book import motions_book
from service.database import session_for
from tests.assembly.conftest import Chamber

HOUSING = ["Conference notes that rents have risen.", "Conference calls for a rent freeze."]


async def test_the_motions_book_lists_the_agenda_with_lines_amendments_and_provenance(
    chamber: Chamber, database_url: str
) -> None:
    conf = await chamber.assembly(
        title="Annual Conference",
        kind="conference",
        timetable={"session_starts_at": "2026-12-12T09:00:00Z"},
    )
    path = f"/assemblies/{conf['id']}"
    await chamber.move(conf, "motions_open")
    housing = await chamber.motion(conf, "S1", title="Housing", paragraphs=HOUSING)
    rail = await chamber.motion(conf, "S4", title="Rail", paragraphs=["Nationalise rail."])
    fares = await chamber.motion(conf, "W3", title="Trains", paragraphs=["Cheaper fares."])
    stray = await chamber.motion(conf, "W4", title="Football", paragraphs=["Support X."])
    for motion in (housing, rail, fares, stray):
        await chamber.second(motion, "S7", "E2")
    await chamber.move(conf, "amendments_open")
    composite = await chamber.call(
        "POST",
        f"{path}/composites",
        chamber.chair,
        {
            "title": "Public transport",
            "paragraphs": ["Nationalise rail.", "Cheaper fares."],
            "sources": [rail["id"], fares["id"]],
        },
        201,
    )
    await chamber.chair_does(housing, "admit")
    amendment = await chamber.amend(
        housing, "W1", action="replace", start=2, paragraphs=["Conference calls for caps."]
    )
    await chamber.on_amendment(amendment, "seconders", "S2", expect=201)
    await chamber.on_amendment(amendment, "admit", chamber.chair)
    await chamber.amend(housing, "S9", action="delete", start=1)  # never admitted: not in it
    await chamber.call("PUT", f"{path}/agenda", chamber.chair, {"motions": [composite["id"]]})

    # The domain function: agenda order, numbered lines, admitted amendments, provenance.
    async with session_for(database_url) as session:
        assembly = await touch_assembly(session, uuid.UUID(conf["id"]))
        book = await motions_book(session, assembly)
    assert [(m.position, m.title) for m in book.motions] == [
        (1, "Public transport"),
        (2, "Housing"),
    ]
    assert book.motions[0].composite_of == [rail["number"], fares["number"]]
    housing_entry = book.motions[1]
    assert [(line.number, line.text) for line in housing_entry.lines] == [
        (1, HOUSING[0]),
        (2, HOUSING[1]),
    ]
    assert [a.number for a in housing_entry.amendments] == [1]
    assert housing_entry.proposer_branch is None  # proposed by a member, not for a branch

    english = await chamber.client.get(f"/api/v1{path}/motions-book", headers=chamber.auth("S1"))
    assert english.status_code == 200, english.text
    assert english.headers["content-type"].startswith("text/html")
    assert "Motions book" in english.text
    assert f"Composite of motions {rail['number']}, {fares['number']}" in english.text
    assert "<del>Conference calls for a rent freeze.</del>" in english.text
    assert "Football" not in english.text
    welsh = await chamber.client.get(
        f"/api/v1{path}/motions-book?lang=cy", headers=chamber.auth("S1")
    )
    assert "Llyfr cynigion" in welsh.text
    assert '<html lang="cy">' in welsh.text

    pdf = await chamber.client.get(
        f"/api/v1{path}/motions-book.pdf?lang=cy", headers=chamber.auth("S1")
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # Its objects sit in compressed streams: inflate them and find the pages and the title.
    objects = b"".join(
        zlib.decompress(m)
        for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf.content, re.S)
    )
    assert re.findall(rb"/Type\s*/Page\b", objects)
    assert "Llyfr cynigion".encode("utf-16-be") in objects or b"Llyfr cynigion" in objects

    hidden = await chamber.client.get(f"/api/v1{path}/motions-book", headers=chamber.auth("X9"))
    assert hidden.status_code == 404


async def test_the_timetable_is_an_icalendar_feed(chamber: Chamber) -> None:
    conf = await chamber.assembly(
        title="Regional Assembly",
        kind="regional_assembly",
        scope="region:SCO",
        timetable={
            "motions_deadline": "2026-12-05T18:00:00Z",
            "session_starts_at": "2026-12-12T09:00:00Z",
            "session_ends_at": "2026-12-12T17:00:00Z",
        },
    )
    await chamber.move(conf, "motions_open")
    feed = await chamber.client.get(
        f"/api/v1/assemblies/{conf['id']}/timetable.ics", headers=chamber.auth("S1")
    )
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20261212T090000Z\r\nDTEND:20261212T170000Z\r\n" in feed.text
    assert f"UID:{conf['id']}-session@" in feed.text
