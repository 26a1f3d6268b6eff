"""A regional assembly: a fallen amendment reinstated by the chair, and the carried motion
forwarded to conference with its provenance (issue 6, "Motions" and "Amendments")."""

from __future__ import annotations

import asyncio
import uuid

from tests.assembly.conftest import Chamber, log_entries
from voting.sealing import ballot_keys

TEXT = ["Scotland needs more ferries.", "Build them on the Clyde.", "Fund them from the budget."]


async def test_reinstated_amendment_and_forwarding_to_conference(
    chamber: Chamber, database_url: str
) -> None:
    regional = await chamber.assembly(
        title="Scottish assembly",
        kind="regional_assembly",
        scope="region:SCO",
        standing_orders={
            "seconders_required": 0,
            "amendment_seconders_required": 0,
            "votes": "recorded",
        },
    )
    await chamber.move(regional, "motions_open")
    motion = await chamber.motion(regional, "S1", title="Ferries", paragraphs=TEXT)
    await chamber.motion(regional, "W1", title="From Wales", paragraphs=["x"], expect=404)
    spare = await chamber.motion(regional, "S1", title="Spare", paragraphs=["x"])
    await chamber.call("POST", f"/motions/{spare['id']}/withdraw", "S2", None, 403)
    assert (await chamber.call("POST", f"/motions/{spare['id']}/withdraw", "S1"))["state"] == (
        "withdrawn"
    )
    # Two seconds at once by one member: exactly one counts.
    racing = await asyncio.gather(
        *(
            chamber.client.post(
                f"/api/v1/motions/{motion['id']}/seconders", headers=chamber.auth("S9")
            )
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in racing) == [201, 409]
    await chamber.move(regional, "amendments_open")
    await chamber.chair_does(motion, "admit")
    first = await chamber.amend(
        motion, "S2", action="replace", start=1, end=2, paragraphs=["Scotland needs ferries now."]
    )
    second = await chamber.amend(motion, "S3", action="delete", start=2)
    stray = await chamber.amend(motion, "E1", action="insert_after", start=0, paragraphs=["Oh."])
    for amendment in (first, second):
        await chamber.on_amendment(amendment, "admit", chamber.chair)
    ruled = await chamber.call(
        "POST",
        f"/motions/{motion['id']}/amendments/{stray['id']}/rule-out",
        chamber.chair,
        {"reason": "Frivolous."},
    )
    assert (ruled["state"], ruled["ruling_reason"]) == ("ruled_out", "Frivolous.")
    await chamber.move(regional, "in_session")

    vote = await chamber.chair_does(motion, "vote/start")
    contest = await chamber.call("GET", f"/contests/{vote['open_contest']}", "S1")
    assert contest["secret"] is False  # standing orders say recorded
    assert contest["scope"] == "region:SCO"
    await chamber.vote(vote["open_contest"], {"S1": "for", "S2": "for"})
    vote = await chamber.chair_does(motion, "vote/close")  # decided, nothing opened yet
    assert "open_contest" not in vote
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    assert [a["state"] for a in shown["amendments"]] == ["carried", "fallen", "ruled_out"]
    # The chair rules it still applies, to line 2 of the text as amended.
    reinstate = f"/motions/{motion['id']}/amendments/{second['id']}/reinstate"
    beyond = await chamber.call("POST", reinstate, chamber.chair, {"start": 3}, 422)
    assert "lines 1-2" in beyond["detail"]  # the text as amended has two lines
    reinstated = await chamber.call("POST", reinstate, chamber.chair, {"start": 2})
    assert reinstated["state"] == "admitted"
    assert reinstated["current_start"] == 2
    vote = await chamber.chair_does(motion, "vote/next")
    assert vote["steps"][-1]["id"] == second["id"]
    sealed = uuid.UUID(vote["open_contest"])
    await chamber.vote(vote["open_contest"], {"S1": "for"})
    assert ballot_keys().path(sealed).exists()
    vote = await chamber.chair_does(motion, "vote/next")
    # Issue 17: the chair's next-vote path closes a box as every close does: unsealed into a
    # canonical box (it was counted) and its ballot key deleted.
    assert not ballot_keys().path(sealed).exists()
    await chamber.vote(vote["open_contest"], {"S1": "for", "E1": "for"})
    vote = await chamber.chair_does(motion, "vote/next")
    assert vote["state"] == "decided"
    assert [line["text"] for line in vote["lines"]] == ["Scotland needs ferries now."]
    # Too late to reinstate anything once the motion is decided.
    await chamber.call("POST", reinstate, chamber.chair, {"start": 1}, 409)

    conference = await chamber.call(
        "POST", "/assemblies", chamber.admin, {"title": "Conference", "kind": "conference"}, 201
    )
    await chamber.call(
        "POST", f"/assemblies/{conference['id']}/chairs", chamber.admin, {"subject": "CH2"}, 201
    )
    refused = await chamber.chair_does(motion, "forward", {"to_assembly": conference["id"]}, 409)
    assert "not open yet" in refused["detail"]
    await chamber.call(
        "POST", f"/assemblies/{conference['id']}/state", chamber.auth("CH2"), {"to": "motions_open"}
    )
    forwarded = await chamber.chair_does(motion, "forward", {"to_assembly": conference["id"]}, 201)
    assert forwarded["assembly"] == conference["id"]
    assert forwarded["forwarded_from"] == motion["id"]
    assert forwarded["proposer_assembly"] == regional["id"]
    assert forwarded["scope"] == "national"
    assert [line["text"] for line in forwarded["lines"]] == ["Scotland needs ferries now."]
    source = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    assert source["state"] == "carried"  # forwarding is a link; the outcome stays
    assert source["forwarded_to"] == forwarded["id"]
    assert source["final_digest"] == forwarded["text_digest"]
    # Provenance names the assembly, the number and the vote that carried it, both ways.
    (came_from,) = forwarded["provenance"]
    assert (came_from["relation"], came_from["number"]) == ("forwarded_from", motion["number"])
    assert came_from["assembly_title"] == "Scottish assembly"
    assert came_from["contest"] == vote["steps"][-1]["contest"]
    assert [p["relation"] for p in source["provenance"]] == ["forwarded_to"]
    again = await chamber.chair_does(motion, "forward", {"to_assembly": conference["id"]}, 409)
    assert "already been forwarded" in again["detail"]
    record = await chamber.client.get(
        f"/api/v1/assemblies/{conference['id']}/record.md", headers=chamber.auth("S1")
    )
    assert (
        f"Forwarded from motion {motion['number']} (Ferries) of Scottish assembly, carried by "
        f"vote {came_from['contest']}." in record.text
    )
    # The regional chair does not chair the conference.
    await chamber.chair_does(forwarded, "admit", expect=403)
    admitted = await chamber.call("POST", f"/motions/{forwarded['id']}/admit", chamber.auth("CH2"))
    assert admitted["state"] == "admitted"  # an assembly's motion needs no seconders
    remitted = await chamber.call("POST", f"/motions/{forwarded['id']}/remit", chamber.auth("CH2"))
    assert remitted["state"] == "remitted"

    kinds = [
        e["type"]
        for e in await log_entries(database_url)
        if e["subjects"].get("motion") in (motion["id"], forwarded["id"])
    ]
    assert kinds.count("amendment.reinstated") == 1
    assert kinds.count("amendment.fallen") == 1
    assert "motion.forwarded" in kinds
    assert kinds[-2:] == ["motion.admitted", "motion.remitted"]
