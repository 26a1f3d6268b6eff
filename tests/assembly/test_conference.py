"""A whole conference through HTTP against real PostgreSQL (issue 6, "Tests that must exist")."""

from __future__ import annotations

from collections import Counter

from assembly.motions.text import text_digest
from tests.assembly.conftest import Chamber, log_entries

HOUSING = [
    "Conference notes that rents have risen by a third.",
    "Conference calls for a rent freeze.",
    "Conference calls for rent controls in every city.",
]
ALL_FOR = {"S1": "for", "S2": "for", "W1": "for", "E1": "against"}


async def test_whole_conference_from_motions_to_final_texts(
    chamber: Chamber, database_url: str
) -> None:
    conference = await chamber.assembly(
        title="Annual Conference",
        kind="conference",
        standing_orders={"seconders_required": 2, "seconders_from_distinct_branches": True},
    )
    assert conference["state"] == "draft"
    assert conference["chairs"] == ["CHAIR1"]
    await chamber.move(conference, "motions_open")

    # Motions submitted and seconded (from distinct branches, once each).
    housing = await chamber.motion(conference, "S1", title="Housing", paragraphs=HOUSING)
    assert [line["number"] for line in housing["lines"]] == [1, 2, 3]
    await chamber.second(housing, "S2")
    shown = await chamber.second(housing, "S3")
    assert shown["seconding"] == {"seconders": 2, "counted": 1, "required": 2, "enough": False}
    await chamber.chair_does(housing, "admit", expect=409)  # two seconders, but one branch
    await chamber.second(housing, "S3", expect=409)  # once each
    await chamber.second(housing, "S1", expect=409)  # not the proposer
    shown = await chamber.second(housing, "W1")
    assert shown["seconding"]["enough"] is True
    await chamber.second(housing, "W2")
    withdrawn = await chamber.call("DELETE", f"/motions/{housing['id']}/seconders/me", "W2")
    assert withdrawn["seconding"]["seconders"] == 3

    rail_a = await chamber.motion(conference, "S4", title="Rail", paragraphs=["Nationalise rail."])
    rail_b = await chamber.motion(conference, "W3", title="Trains", paragraphs=["Cheaper fares."])
    stray = await chamber.motion(conference, "W4", title="Football", paragraphs=["Support X."])
    charter = await chamber.motion(
        conference,
        "S5",
        title="Rename the party",
        category="constitutional",
        paragraphs=["Clause 1 is amended to read: the Green Left."],
    )
    land = await chamber.motion(
        conference,
        "S6",
        title="Scottish land reform",
        scope="region:SCO",
        on_behalf_of_branch=True,
        paragraphs=["Community right to buy."],
    )
    assert land["proposer_branch"] == "glasgow"
    await chamber.second(land, "W1", expect=403)  # Wales is not in region:SCO
    for motion in (rail_a, rail_b, stray, charter, land):
        await chamber.second(motion, "S7", "E2")

    await chamber.move(conference, "amendments_open")
    late = await chamber.motion(conference, "S8", title="Late", paragraphs=["x"], expect=409)
    assert "motions" in late["detail"]

    # The chair rules one out, composites two, admits the rest.
    ruled = await chamber.chair_does(stray, "rule-out", {"reason": "Not party policy matter."})
    assert ruled["state"] == "ruled_out"
    assert ruled["ruling_reason"] == "Not party policy matter."
    composite = await chamber.call(
        "POST",
        f"/assemblies/{conference['id']}/composites",
        chamber.chair,
        {
            "title": "Composite: public transport",
            "paragraphs": ["Nationalise rail.", "Cheaper fares."],
            "sources": [rail_a["id"], rail_b["id"]],
        },
        201,
    )
    assert composite["state"] == "admitted"
    assert sorted(composite["composite_of"]) == sorted([rail_a["id"], rail_b["id"]])
    source = await chamber.call("GET", f"/motions/{rail_a['id']}", "S1")
    assert source["state"] == "composited"
    assert source["composited_into"] == composite["id"]
    for motion in (housing, charter, land):
        await chamber.chair_does(motion, "admit")
    await chamber.chair_does(housing, "admit", expect=409)
    order = await chamber.call(
        "PUT", f"/assemblies/{conference['id']}/agenda", chamber.chair, {"motions": [land["id"]]}
    )
    assert [m["id"] for m in order] == [land["id"], housing["id"], charter["id"], composite["id"]]
    await chamber.call(
        "PUT",
        f"/assemblies/{conference['id']}/agenda",
        chamber.chair,
        {"motions": [stray["id"]]},
        422,
    )
    # A chair's token role is not enough: the grant on this assembly is.
    await chamber.call(
        "POST", f"/motions/{charter['id']}/remit", chamber.auth("X", "chair"), None, 403
    )

    # Three amendments to the housing motion; the first carried makes the second fall.
    first = await chamber.amend(
        housing, "W1", action="replace", start=2, end=3, paragraphs=["Conference calls for caps."]
    )
    second = await chamber.amend(housing, "S9", action="delete", start=3)
    third = await chamber.amend(
        housing, "E3", action="insert_after", start=3, paragraphs=["Conference will campaign."]
    )
    assert [line["change"] for line in first["diff"]] == [
        "unchanged",
        "deleted",
        "deleted",
        "inserted",
    ]
    assert [line["text"] for line in first["motion_if_carried"]] == [
        HOUSING[0],
        "Conference calls for caps.",
    ]
    for amendment, seconder in ((first, "S2"), (second, "S3"), (third, "S4")):
        await chamber.on_amendment(amendment, "seconders", seconder, expect=201)
        admitted = await chamber.on_amendment(amendment, "admit", chamber.chair)
        assert admitted["state"] == "admitted"

    await chamber.move(conference, "in_session")
    late_amendment = await chamber.amend(housing, "S5", action="delete", start=1, expect=409)
    assert "amendments" in late_amendment["detail"]

    vote = await chamber.chair_does(housing, "vote/start")
    assert vote["steps"][0]["id"] == first["id"]
    await chamber.vote(vote["open_contest"], ALL_FOR)
    vote = await chamber.chair_does(housing, "vote/next")
    assert vote["steps"][0]["outcome"] == "carried"
    assert [line["text"] for line in vote["lines"]] == [HOUSING[0], "Conference calls for caps."]
    shown = await chamber.call("GET", f"/motions/{housing['id']}", "S1")
    states = {a["number"]: a["state"] for a in shown["amendments"]}
    assert states == {1: "carried", 2: "fallen", 3: "voting"}
    assert shown["amendments"][2]["current_start"] == 2  # renumbered after the merge
    await chamber.vote(vote["open_contest"], ALL_FOR)
    vote = await chamber.chair_does(housing, "vote/next")
    assert vote["steps"][-1]["subject"] == "motion"
    await chamber.vote(vote["open_contest"], ALL_FOR)
    vote = await chamber.chair_does(housing, "vote/next")
    assert vote["state"] == "decided"
    assert [(s["subject"], s["outcome"]) for s in vote["steps"]] == [
        ("amendment", "carried"),
        ("amendment", "carried"),
        ("motion", "carried"),
    ]
    final = [HOUSING[0], "Conference calls for caps.", "Conference will campaign."]
    carried = await chamber.call("GET", f"/motions/{housing['id']}", "S1")
    assert carried["state"] == "carried"
    assert [line["text"] for line in carried["final_lines"]] == final
    assert carried["final_digest"] == text_digest(final)

    # A constitutional motion with 60% support is lost under the two-thirds rule.
    vote = await chamber.chair_does(charter, "vote/start")
    contest = await chamber.call("GET", f"/contests/{vote['open_contest']}", "S1")
    assert contest["majority"]["threshold"] == "2/3"
    await chamber.vote(
        vote["open_contest"],
        {"S1": "for", "S2": "for", "S3": "for", "W1": "against", "W2": "against"},
    )
    vote = await chamber.chair_does(charter, "vote/next")
    assert vote["steps"][0]["outcome"] == "lost"
    assert (await chamber.call("GET", f"/motions/{charter['id']}", "S1"))["state"] == "lost"

    # A Scotland-only motion: a member in Wales cannot vote on it, nor even find it (a refusal
    # never reveals what a read hides).
    vote = await chamber.chair_does(land, "vote/start")
    contest = await chamber.call("GET", f"/contests/{vote['open_contest']}", chamber.admin)
    assert contest["scope"] == "region:SCO"
    assert contest["electorate_size"] == 13
    refused = await chamber.call(
        "POST", f"/contests/{vote['open_contest']}/ballots", "W1", {"choice": "for"}, 404
    )
    assert "that you can see" in refused["detail"]
    await chamber.call("GET", f"/contests/{vote['open_contest']}", "W1", expect=404)
    await chamber.vote(vote["open_contest"], {"S1": "for", "E1": "for"})
    vote = await chamber.chair_does(land, "vote/next")
    assert vote["steps"][0]["outcome"] == "carried"

    # Every state change is in the audit log, with the digests of the texts.
    entries = await log_entries(database_url)
    ours = [e for e in entries if e["subjects"].get("assembly") == conference["id"]]
    kinds = Counter(e["type"] for e in ours)
    assert kinds["assembly.created"] == 1
    assert kinds["assembly.chair_granted"] == 1
    assert kinds["assembly.state_changed"] == 3
    assert kinds["assembly.agenda_set"] == 1
    assert kinds["motion.submitted"] == 6
    assert kinds["motion.seconded"] == 14
    assert kinds["motion.seconding_withdrawn"] == 1
    assert kinds["motion.ruled_out"] == 1
    assert kinds["motion.composited"] == 2
    assert kinds["motion.composite_made"] == 1
    assert kinds["motion.admitted"] == 3
    assert kinds["amendment.submitted"] == 3
    assert kinds["amendment.admitted"] == 3
    assert kinds["amendment.carried"] == 2
    assert kinds["amendment.fallen"] == 1
    assert kinds["motion.carried"] == 2
    assert kinds["motion.lost"] == 1
    housing_carried = next(
        e
        for e in ours
        if e["type"] == "motion.carried" and e["subjects"]["motion"] == housing["id"]
    )
    assert housing_carried["digests"] == {
        "text": text_digest(HOUSING),
        "original": text_digest(HOUSING),
        "final": text_digest(final),
    }
    assert housing_carried["facts"]["amendments_carried"] == 2
    for entry in ours:  # ids and digests only: no membership numbers anywhere
        assert "S1" not in str(entry)
        assert "CHAIR1" not in str(entry)

    # The record, as JSON and as Markdown.
    record = await chamber.call("GET", f"/assemblies/{conference['id']}/record", "S1")
    in_record = {m["id"]: m for m in record["motions"]}
    history = in_record[housing["id"]]["history"]
    assert [a["number"] for a in history["carried_amendments"]] == [1, 3]
    assert history["final"]["text_digest"] == text_digest(final)
    assert in_record[composite["id"]]["history"]["composite_of"] == [
        rail_a["number"],
        rail_b["number"],
    ]
    logged = {item["entry"]["type"] for item in record["log"]}
    assert {"contest.opened", "contest.published", "motion.carried"} <= logged
    response = await chamber.client.get(
        f"/api/v1/assemblies/{conference['id']}/record.md", headers=chamber.auth("S1")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    markdown = response.text
    assert "## Motion 1: Housing" in markdown
    assert "3. Conference will campaign." in markdown
    assert "Ruled out of order: Not party policy matter." in markdown
    assert f"Composite of motions {rail_a['number']}, {rail_b['number']}." in markdown
