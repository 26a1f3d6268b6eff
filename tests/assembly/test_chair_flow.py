"""A chair flow that cannot go wrong (issue 16): each defect a scripted conference found,
reproduced over HTTP against real PostgreSQL, and shown fixed."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.assembly.conftest import Chamber, log_entries

TEXT = ["Conference notes the cuts.", "Conference regrets them.", "Conference will resist."]


async def _in_session(
    chamber: Chamber,
    amendments: list[dict[str, Any]],
    *,
    text: list[str] = TEXT,
    **orders: Any,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A conference with one admitted motion and these amendments admitted, in session."""
    orders.setdefault("seconders_required", 0)
    orders.setdefault("amendment_seconders_required", 0)
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders=orders
    )
    await chamber.move(conference, "motions_open")
    motion = await chamber.motion(conference, "S1", title="Cuts", paragraphs=text)
    await chamber.move(conference, "amendments_open")
    await chamber.chair_does(motion, "admit")
    made = []
    for body in amendments:
        amendment = await chamber.amend(motion, "S2", **body)
        made.append(await chamber.on_amendment(amendment, "admit", chamber.chair))
    await chamber.move(conference, "in_session")
    return conference, motion, made


async def test_pressing_next_twice_decides_one_vote_and_opens_the_next_once(
    chamber: Chamber,
) -> None:
    _, motion, (first, second) = await _in_session(
        chamber,
        [
            {"action": "replace", "start": 1, "paragraphs": ["Conference deplores the cuts."]},
            {"action": "delete", "start": 3},
        ],
    )
    started = await chamber.chair_does(motion, "vote/start")
    again = await chamber.chair_does(motion, "vote/start")  # pressed twice: nothing new
    assert again["steps"] == started["steps"]
    assert again["step"] == started["step"]
    await chamber.vote(started["open_contest"], {"S3": "for", "S4": "for"})

    # The same press twice, one after the other: the second finds the step moved on.
    press = {"step": started["step"]}
    after = await chamber.chair_does(motion, "vote/next", press)
    repeated = await chamber.chair_does(motion, "vote/next", press)
    assert repeated == after
    assert [(s["id"], s.get("outcome")) for s in after["steps"]] == [
        (first["id"], "carried"),
        (second["id"], None),
    ]
    opened = await chamber.call("GET", f"/contests/{after['open_contest']}", chamber.admin)
    assert opened["state"] == "open"  # not decided with no ballots

    # And twice at once: exactly one moves the votes on.
    await chamber.vote(after["open_contest"], {"S3": "against"})
    press = {"step": after["step"]}
    both = await asyncio.gather(
        *(
            chamber.client.post(
                f"/api/v1/motions/{motion['id']}/vote/next", json=press, headers=chamber.chair
            )
            for _ in range(2)
        )
    )
    assert [r.status_code for r in both] == [200, 200]
    now = await chamber.call("GET", f"/motions/{motion['id']}/vote", chamber.chair)
    assert [s.get("outcome") for s in now["steps"]] == ["carried", "lost", None]
    assert now["steps"][-1]["subject"] == "motion"
    motion_vote = await chamber.call("GET", f"/contests/{now['open_contest']}", chamber.admin)
    assert motion_vote["state"] == "open"


async def test_the_page_repeats_a_press_without_moving_twice_and_a_step_is_required(
    chamber: Chamber,
) -> None:
    _, motion, _ = await _in_session(chamber, [])
    started = await chamber.chair_does(motion, "vote/start")
    refused = await chamber.call(
        "POST", f"/motions/{motion['id']}/vote/next", chamber.chair, {}, 400
    )
    assert "step" in refused["detail"]
    stale = await chamber.chair_does(motion, "vote/next", {"step": started["step"] + 5})
    assert stale["open_contest"] == started["open_contest"]  # a stale step changes nothing


async def test_diffs_and_titles_follow_the_text_as_amended_so_far(chamber: Chamber) -> None:
    _, motion, (_first, second, third) = await _in_session(
        chamber,
        [
            {
                "action": "replace",
                "start": 1,
                "paragraphs": ["Conference notes the cuts.", "They hurt the poorest."],
            },
            {"action": "delete", "start": 1},
            {"action": "replace", "start": 3, "paragraphs": ["Conference will strike."]},
        ],
    )
    before = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    # Overlapping admitted amendments are flagged before the vote, with what falls.
    assert before["overlaps"] == [{"if_carried": 1, "falls": [2]}]
    assert before["amendments"][2]["describe"] == "replace line 3"

    vote = await chamber.chair_does(motion, "vote/start")
    await chamber.vote(vote["open_contest"], {"S3": "for"})
    await chamber.chair_does(motion, "vote/close")
    # The first carried: the text gained a line, so the third now replaces line 4.
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    amended = ["Conference notes the cuts.", "They hurt the poorest.", *TEXT[1:]]
    moved = shown["amendments"][2]
    assert moved["describe"] == "replace line 4"
    assert moved["shown_against"] == "as_amended"
    assert [(d.get("number"), d["change"]) for d in moved["diff"]] == [
        (1, "unchanged"),
        (2, "unchanged"),
        (3, "unchanged"),
        (4, "deleted"),
        (None, "inserted"),
    ]
    assert [line["text"] for line in moved["motion_if_carried"]] == [
        *amended[:3],
        "Conference will strike.",
    ]
    # The second fell; reinstated to line 2 of the text as amended, it is shown there.
    assert shown["amendments"][1]["state"] == "fallen"
    reinstate = f"/motions/{motion['id']}/amendments/{second['id']}/reinstate"
    await chamber.call("POST", reinstate, chamber.chair, {"start": 2})
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    back = shown["amendments"][1]
    assert back["describe"] == "delete line 2"
    assert [line["text"] for line in back["motion_if_carried"]] == [amended[0], *amended[2:]]
    vote = await chamber.chair_does(motion, "vote/next")
    contest = await chamber.call("GET", f"/contests/{vote['open_contest']}", chamber.admin)
    assert contest["title"].startswith(f"Amendment 2 to motion {motion['number']} (delete line 2)")
    await chamber.vote(vote["open_contest"], {"S3": "against"})
    vote = await chamber.chair_does(motion, "vote/next")
    contest = await chamber.call("GET", f"/contests/{vote['open_contest']}", chamber.admin)
    assert "(replace line 4)" in contest["title"]
    assert third["id"] == vote["steps"][-1]["id"]


async def test_the_chair_off_the_roll_sees_turnout_and_result_of_the_vote_they_run(
    chamber: Chamber,
) -> None:
    _, motion, _ = await _in_session(chamber, [])
    vote = await chamber.chair_does(motion, "vote/start")  # CHAIR1 is not on the roll
    contest = vote["open_contest"]
    await chamber.vote(contest, {"S1": "for", "W1": "against", "E1": "for"})
    turnout = await chamber.call("GET", f"/contests/{contest}/turnout", chamber.chair)
    assert (turnout["state"], turnout["voted"]) == ("open", 3)
    await chamber.call("GET", f"/contests/{contest}", chamber.chair)
    await chamber.chair_does(motion, "vote/next")
    result = await chamber.call("GET", f"/contests/{contest}/result", chamber.chair)
    assert result["outcome"] == "carried"
    # Another officer-less caller off the roll still finds nothing.
    await chamber.call("GET", f"/contests/{contest}/turnout", chamber.auth("NOBODY"), None, 404)


async def test_an_inquorate_vote_is_its_own_outcome_and_is_taken_again(
    chamber: Chamber, database_url: str
) -> None:
    _, motion, (amendment,) = await _in_session(
        chamber,
        [{"action": "delete", "start": 2}],
        majority={"quorum": {"kind": "number", "value": "3"}},
    )
    vote = await chamber.chair_does(motion, "vote/start")
    await chamber.vote(vote["open_contest"], {"S1": "for"})
    vote = await chamber.chair_does(motion, "vote/next")
    assert vote["steps"][0]["outcome"] == "inquorate"
    assert "open_contest" not in vote  # nothing further opened
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    assert shown["state"] == "admitted"
    assert shown["amendments"][0]["state"] == "admitted"  # not lost

    vote = await chamber.chair_does(motion, "vote/next")  # the same question, again
    assert [s["id"] for s in vote["steps"]] == [amendment["id"], amendment["id"]]
    await chamber.vote(vote["open_contest"], {"S1": "for", "S2": "for", "S3": "against"})
    vote = await chamber.chair_does(motion, "vote/next")
    assert [s.get("outcome") for s in vote["steps"]] == ["inquorate", "carried", None]

    await chamber.vote(vote["open_contest"], {"S1": "for"})  # the motion itself: inquorate
    vote = await chamber.chair_does(motion, "vote/next")
    assert vote["state"] == "voting"
    assert (await chamber.call("GET", f"/motions/{motion['id']}", "S1"))["state"] == "admitted"
    vote = await chamber.chair_does(motion, "vote/next")
    await chamber.vote(vote["open_contest"], {"S1": "for", "S2": "for", "S4": "for"})
    vote = await chamber.chair_does(motion, "vote/next")
    assert vote["state"] == "decided"
    assert [s.get("outcome") for s in vote["steps"]] == [
        "inquorate",
        "carried",
        "inquorate",
        "carried",
    ]
    kinds = [e["type"] for e in await log_entries(database_url)]
    assert kinds.count("amendment.inquorate") == 1
    assert kinds.count("motion.inquorate") == 1


async def test_a_seconded_amendment_awaiting_a_ruling_blocks_the_vote_and_is_named(
    chamber: Chamber,
) -> None:
    conference = await chamber.assembly(
        title="Conference",
        kind="conference",
        standing_orders={"seconders_required": 0, "amendment_seconders_required": 1},
    )
    await chamber.move(conference, "motions_open")
    motion = await chamber.motion(conference, "S1", title="Cuts", paragraphs=TEXT)
    await chamber.move(conference, "amendments_open")
    await chamber.chair_does(motion, "admit")
    waiting = await chamber.amend(motion, "S2", action="delete", start=1)
    await chamber.amend(motion, "S3", action="delete", start=2)  # never seconded: no block
    await chamber.on_amendment(waiting, "seconders", "S4", expect=201)
    await chamber.move(conference, "in_session")
    shown = await chamber.call("GET", f"/motions/{motion['id']}", chamber.chair)
    assert shown["waiting_for_ruling"] == [1]
    refused = await chamber.chair_does(motion, "vote/start", expect=409)
    assert "amendment 1 to motion" in refused["detail"]
    assert "waiting for your ruling" in refused["detail"]
    await chamber.on_amendment(waiting, "admit", chamber.chair)
    vote = await chamber.chair_does(motion, "vote/start")
    assert vote["steps"][0]["id"] == waiting["id"]


async def test_a_seconder_withdrawing_after_admission_flags_the_motion(
    chamber: Chamber, database_url: str
) -> None:
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders={"seconders_required": 1}
    )
    await chamber.move(conference, "motions_open")
    motion = await chamber.motion(conference, "S1", title="Cuts", paragraphs=TEXT)
    await chamber.second(motion, "S2")
    admitted = await chamber.chair_does(motion, "admit")
    assert "short_of_seconders" not in admitted  # false, so left out
    await chamber.call("DELETE", f"/motions/{motion['id']}/seconders/me", "S2")
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    assert (shown["state"], shown["short_of_seconders"]) == ("admitted", True)
    withdrawn = [
        e for e in await log_entries(database_url) if e["type"] == "motion.seconding_withdrawn"
    ]
    assert withdrawn[-1]["facts"]["short_of_seconders"] is True


async def test_blank_titles_and_texts_and_long_amendments_are_refused_and_plurals_read_well(
    chamber: Chamber,
) -> None:
    conference = await chamber.assembly(
        title="Conference",
        kind="conference",
        standing_orders={"seconders_required": 2, "amendment_seconders_required": 0},
    )
    await chamber.move(conference, "motions_open")
    blank = await chamber.motion(conference, "S1", 400, title="   ", paragraphs=["Fine."])
    assert "title is only spaces" in blank["detail"]
    blank = await chamber.motion(conference, "S1", 400, title="Fine", paragraphs=["Ok.", " \t "])
    assert "paragraphs[1] is only spaces" in blank["detail"]
    motion = await chamber.motion(conference, "S1", title="Cuts", paragraphs=TEXT)
    assert motion["number"] == 1  # nothing was numbered for the refused ones
    await chamber.second(motion, "S2")
    short = await chamber.chair_does(motion, "admit", expect=409)
    assert "has 1 seconder;" in short["detail"]
    await chamber.move(conference, "amendments_open")
    huge = await chamber.amend(
        motion, "S2", 400, action="replace", start=1, paragraphs=["Line."] * 201
    )
    assert "200" in huge["detail"]
    await chamber.amend(motion, "S2", action="replace", start=1, paragraphs=["Line."] * 200)


async def test_composite_provenance_names_its_sources_by_number_and_title(
    chamber: Chamber,
) -> None:
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders={"seconders_required": 0}
    )
    await chamber.move(conference, "motions_open")
    rail = await chamber.motion(conference, "S1", title="Rail", paragraphs=["Nationalise rail."])
    fares = await chamber.motion(conference, "S2", title="Fares", paragraphs=["Cut fares."])
    composite = await chamber.call(
        "POST",
        f"/assemblies/{conference['id']}/composites",
        chamber.chair,
        {"title": "Transport", "paragraphs": ["Both."], "sources": [rail["id"], fares["id"]]},
        201,
    )
    assert [(p["relation"], p["number"], p["title"]) for p in composite["provenance"]] == [
        ("composite_of", 1, "Rail"),
        ("composite_of", 2, "Fares"),
    ]
    assert {p["assembly_title"] for p in composite["provenance"]} == {"Conference"}
    source = await chamber.call("GET", f"/motions/{rail['id']}", "S1")
    assert [(p["relation"], p["number"]) for p in source["provenance"]] == [
        ("composited_into", composite["number"])
    ]
