"""Secret or recorded is chosen per vote within standing orders, a recorded vote names who voted
how on its result, the record and the API, and a show of hands is entered by the chair with the
tellers' figures (issue 16)."""

from __future__ import annotations

from typing import Any

from tests.assembly.conftest import Chamber, log_entries

TEXT = ["Conference backs the strike.", "Conference will fund it."]


async def _motion(chamber: Chamber, **orders: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    orders.setdefault("seconders_required", 0)
    orders.setdefault("amendment_seconders_required", 0)
    conference = await chamber.assembly(
        title="Conference", kind="conference", standing_orders=orders
    )
    await chamber.move(conference, "motions_open")
    motion = await chamber.motion(conference, "S1", title="Strike", paragraphs=TEXT)
    await chamber.move(conference, "amendments_open")
    await chamber.chair_does(motion, "admit")
    amendment = await chamber.amend(motion, "S2", action="delete", start=2)
    await chamber.on_amendment(amendment, "admit", chamber.chair)
    await chamber.move(conference, "in_session")
    return conference, motion


async def test_the_chair_takes_one_vote_recorded_and_the_next_secret(chamber: Chamber) -> None:
    conference, motion = await _motion(chamber, vote_methods=["recorded"])
    vote = await chamber.chair_does(motion, "vote/start", {"method": "recorded"})
    recorded = vote["open_contest"]
    assert vote["steps"][0]["method"] == "recorded"
    shown = await chamber.call("GET", f"/contests/{recorded}", "S1")
    assert shown["secret"] is False
    await chamber.vote(recorded, {"S2": "against", "S1": "for", "W1": "abstain"})
    vote = await chamber.chair_does(motion, "vote/next", {"step": vote["step"]})
    secret = vote["open_contest"]
    assert vote["steps"][-1]["method"] == "secret"  # the default again
    await chamber.vote(secret, {"S1": "for"})
    await chamber.chair_does(motion, "vote/next")

    result = await chamber.call("GET", f"/contests/{recorded}/result", "E1")
    assert result["roll_call"] == [
        {"member": "S1", "ballot": {"choice": "for"}},
        {"member": "S2", "ballot": {"choice": "against"}},
        {"member": "W1", "ballot": {"choice": "abstain"}},
    ]
    assert "roll_call" not in await chamber.call("GET", f"/contests/{secret}/result", "E1")
    record = await chamber.call("GET", f"/assemblies/{conference['id']}/record", "E1")
    (voted,) = record["motions"][0]["amendments"]
    assert [v["member"] for v in voted["vote"]["roll_call"]] == ["S1", "S2", "W1"]
    assert record["motions"][0]["vote"]["roll_call"] is None  # secret
    printed = await chamber.client.get(
        f"/api/v1/assemblies/{conference['id']}/conference-record", headers=chamber.auth("E1")
    )
    assert printed.status_code == 200, printed.text
    assert printed.text.count("Who voted how (a recorded vote)") == 1  # the secret one has none
    table = printed.text.split('<table class="roll-call">')[1].split("</table>")[0]
    assert [m.split("</th>")[0] for m in table.split('<th scope="row">')[1:]] == ["S1", "S2", "W1"]
    welsh = await chamber.client.get(
        f"/api/v1/assemblies/{conference['id']}/conference-record?lang=cy",
        headers=chamber.auth("E1"),
    )
    assert "Who voted how" not in welsh.text  # in Welsh too
    pdf = await chamber.client.get(
        f"/api/v1/assemblies/{conference['id']}/conference-record.pdf", headers=chamber.auth("E1")
    )
    assert pdf.content.startswith(b"%PDF-")


async def test_a_method_standing_orders_do_not_allow_is_refused_and_nothing_opens(
    chamber: Chamber,
) -> None:
    _, motion = await _motion(chamber)
    refused = await chamber.chair_does(motion, "vote/start", {"method": "recorded"}, 422)
    assert "they allow: secret" in refused["detail"]
    vote = await chamber.call("GET", f"/motions/{motion['id']}/vote", chamber.chair)
    assert vote["state"] == "not started"


async def test_a_show_of_hands_is_decided_from_the_tellers_figures_and_marked(
    chamber: Chamber, database_url: str
) -> None:
    _, motion = await _motion(chamber, vote_methods=["show_of_hands"])
    vote = await chamber.chair_does(motion, "vote/start", {"method": "show_of_hands"})
    assert "open_contest" not in vote  # nobody votes online
    assert (vote["steps"][0]["state"], vote["steps"][0]["method"]) == (
        "show_of_hands",
        "show_of_hands",
    )
    step = {"step": vote["step"]}
    missing = await chamber.chair_does(motion, "vote/next", step, 422)
    assert "tellers' figures" in missing["detail"]
    too_many = {**step, "hand_count": {"for": 900, "against": 1, "tellers": ["Ann", "Bob"]}}
    refused = await chamber.chair_does(motion, "vote/next", too_many, 422)
    assert "electorate" in refused["detail"]
    counted = {
        **step,
        "hand_count": {"for": 7, "against": 3, "abstain": 1, "tellers": ["Ann Teller", "Bob"]},
    }
    vote = await chamber.chair_does(motion, "vote/next", counted)
    first = vote["steps"][0]
    assert (first["state"], first["outcome"]) == ("counted_by_hand", "carried")
    assert first["hand_count"]["choices"] == {"for": 7, "against": 3, "abstain": 1}
    assert first["hand_count"]["tellers"] == ["Ann Teller", "Bob"]
    assert first["hand_count"]["figures"]["turnout"] == 11
    assert vote["steps"][1]["method"] == "secret"  # the motion itself: by ballot
    again = await chamber.chair_does(motion, "vote/next", counted)  # a repeated press
    assert again == vote
    shown = await chamber.call("GET", f"/motions/{motion['id']}", "S1")
    assert shown["amendments"][0]["state"] == "carried"
    hand = [e for e in await log_entries(database_url) if e["type"] == "motion.hand_count"]
    assert [e["facts"]["for"] for e in hand] == [7]
    assert "Ann" not in str(hand)  # the tellers by digest only
